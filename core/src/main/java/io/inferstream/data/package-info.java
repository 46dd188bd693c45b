/**
 * Framework-neutral data: {@link io.inferstream.data.Tensor}, input rows ({@link io.inferstream.data.Features})
 * and model answers ({@link io.inferstream.data.Prediction}). Every type here is immutable.
 */
package io.inferstream.data;
