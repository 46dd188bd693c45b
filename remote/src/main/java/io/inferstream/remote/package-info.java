/**
 * A model that lives on a model server, behind the same {@link io.inferstream.model.Model} SPI as an embedded one:
 * the Open Inference Protocol v2 over REST ({@link io.inferstream.remote.KServeV2RestLoader}) and gRPC
 * ({@link io.inferstream.remote.KServeV2GrpcLoader}), and TF Serving's REST API
 * ({@link io.inferstream.remote.TfServingRestLoader}).
 *
 * <p>Every batch is one request. A {@link io.inferstream.remote.RemoteModel} bounds the requests in flight, retries
 * transient failures with backoff and jitter, and stops calling a failing server with a
 * {@link io.inferstream.remote.CircuitBreaker}; when that is not enough it throws
 * {@link io.inferstream.model.RetriableInferenceException}, so that the engine holds the batch and its partitions
 * rather than dead-letter or commit anything.
 */
package io.inferstream.remote;
