/**
 * The Deeplearning4j adapter: serves {@code MultiLayerNetwork} and {@code ComputationGraph} models saved by
 * DL4J's {@code ModelSerializer} (format {@code dl4j}) and Keras HDF5 models imported with DL4J's Keras model
 * import (format {@code keras}) through the framework-neutral {@link io.inferstream.model.Model} SPI.
 *
 * <p>{@link io.inferstream.dl4j.Dl4jModelLoader} and {@link io.inferstream.dl4j.KerasModelLoader} are found by
 * {@link io.inferstream.model.ModelRegistry} through {@code META-INF/services}; both produce a
 * {@link io.inferstream.dl4j.Dl4jModel}, which is not thread-safe: the engine loads one per worker thread.
 * DL4J and ND4J types never leave this package.
 */
package io.inferstream.dl4j;
