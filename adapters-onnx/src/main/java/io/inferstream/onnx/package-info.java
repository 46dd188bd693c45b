/**
 * The ONNX adapter: {@link io.inferstream.onnx.OnnxModelLoader} (format {@code onnx}) loads a model into one ONNX
 * Runtime session, and {@link io.inferstream.onnx.OnnxModel} scores each micro-batch with a single session run.
 * ONNX Runtime types ({@code ai.onnxruntime}) stay inside this package.
 */
package io.inferstream.onnx;
