/**
 * The Model SPI: {@link io.inferstream.model.Model}, {@link io.inferstream.model.ModelLoader} (one per
 * framework adapter, found by {@link java.util.ServiceLoader}), {@link io.inferstream.model.AbstractModel} (the
 * lifecycle rules an adapter can inherit), the signature types and the error split
 * (per-record {@link io.inferstream.model.InvalidInputException}, model-wide
 * {@link io.inferstream.model.ModelFailureException}, load-time {@link io.inferstream.model.ModelLoadException}).
 */
package io.inferstream.model;
