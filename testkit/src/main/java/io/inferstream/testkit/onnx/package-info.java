/**
 * Writes real ONNX models for tests, the demo and the benchmark, with no ONNX library: {@link
 * io.inferstream.testkit.onnx.OnnxModelWriter} encodes the ModelProto protobuf wire format directly, so the
 * testkit needs neither generated ONNX classes nor ONNX Runtime.
 */
package io.inferstream.testkit.onnx;
