/**
 * Inferstream inside Apache Flink: {@link io.inferstream.flink.FlinkInference} adds a micro-batching scoring operator
 * (or its async variant for remote models) to a {@code DataStream}, with dead letters on a side output and hot swap
 * from a model topic or a versioned folder; {@link io.inferstream.flink.InferenceKafka} reads and writes Kafka records
 * with their keys and headers. One model per subtask: Flink's parallelism is the scaling knob.
 */
package io.inferstream.flink;
