/**
 * The PyTorch adapter: TorchScript files ({@code torch.jit.save}, traced or scripted) served through DJL's PyTorch
 * engine (libtorch), with the natives taken from the {@code pytorch-native-cpu} jar and DJL held offline.
 * {@link io.inferstream.pytorch.TorchScriptLoader} is the entry point (registered for {@link java.util.ServiceLoader}).
 */
package io.inferstream.pytorch;
