/**
 * Real model files made in-process, with no framework installed, for the demo, the examples, the benchmarks and the
 * tests: the weights of a feed-forward network ({@link io.inferstream.sandbox.models.DenseNetwork}) and of the
 * cross-framework contract's classifier ({@link io.inferstream.sandbox.models.ReferenceClassifier}), each with a
 * plain-Java computation of its outputs to check any format's version against; an ONNX writer that encodes the
 * ModelProto protobuf wire format directly ({@link io.inferstream.sandbox.models.OnnxModelWriter}, no ONNX library);
 * and a temporary folder to write them into ({@link io.inferstream.sandbox.models.ScratchDirectory}).
 */
package io.inferstream.sandbox.models;
