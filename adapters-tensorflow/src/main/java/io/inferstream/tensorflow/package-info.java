/**
 * The TensorFlow adapter: serves a TensorFlow SavedModel (a directory, or the same directory packed as
 * {@code .zip}, {@code .tar.gz} or {@code .tgz}) through the framework-neutral Model SPI, with TensorFlow Java.
 *
 * <p>{@link io.inferstream.tensorflow.TensorFlowModelLoader} (format id {@code tensorflow}) is found by
 * {@code ServiceLoader}; it reads the chosen signature's input and output names, dtypes and shapes, and
 * {@link io.inferstream.tensorflow.TensorFlowModel} scores a whole engine batch with one session call.
 * {@code org.tensorflow} types never leave this package.
 */
package io.inferstream.tensorflow;
