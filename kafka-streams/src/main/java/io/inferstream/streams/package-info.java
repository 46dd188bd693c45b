/**
 * Inferstream inside Kafka Streams: {@link io.inferstream.streams.Inference} supplies a micro-batching
 * {@code FixedKeyProcessor} that scores any model of the Model SPI with the engine's scoring pipeline, dead letters
 * and hot swap, and {@link io.inferstream.streams.InferenceSerdes} reads and writes the JSON prediction format.
 */
package io.inferstream.streams;
