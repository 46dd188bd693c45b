/**
 * The codec between core's neutral types and model-server wire forms, shared by the remote-model client and the
 * {@code serve} mode so both ends agree by construction and tests check both against hand-written bodies:
 * {@link io.inferstream.protocol.TensorBatches} (N records or predictions to batched tensors and back),
 * {@link io.inferstream.protocol.V2Json} and {@link io.inferstream.protocol.V2Proto} (the Open Inference Protocol
 * v2 in JSON and protobuf), and {@link io.inferstream.protocol.TfServingJson} (TF Serving's REST API). Nothing here
 * touches Kafka or a network. Every type is immutable or stateless.
 */
package io.inferstream.protocol;
