/**
 * The TensorFlow adapter: serves a TensorFlow SavedModel (a directory, or the same directory packed as
 * {@code .zip}, {@code .tar.gz} or {@code .tgz}) through the framework-neutral Model SPI, with TensorFlow Java.
 *
 * <p>{@link io.inferstream.tensorflow.TensorFlowModelLoader} (format id {@code tensorflow}) is found by
 * {@code ServiceLoader}; it reads the chosen signature's input and output names, dtypes and shapes, and
 * {@link io.inferstream.tensorflow.TensorFlowModel} scores a whole engine batch with one session call.
 * {@code org.tensorflow} types never leave this package.
 *
 * <p>TF Serving's classify and regress signatures take one serialized {@code tf.Example} per record, or, with the
 * option {@code example.features}, named features that {@code ExampleEncoding} writes into one. Archives are
 * untrusted input: {@code SavedModelArchive} refuses zip slip, links and devices, and caps bytes and files.
 */
package io.inferstream.tensorflow;
