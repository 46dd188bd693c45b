/**
 * The H2O MOJO adapter: loads H2O-3 MOJO archives ({@code .zip}) with h2o-genmodel and scores them through the
 * Model SPI, with no H2O cluster at run time. Tabular: record fields map to the MOJO's columns by name, numeric and
 * categorical, and every supported model category (binomial, multinomial, ordinal, regression, clustering,
 * anomaly detection) becomes a plain {@link io.inferstream.data.Prediction}.
 *
 * <p>{@code hex.genmodel} classes appear only in this package, as the layout of the project requires.
 */
package io.inferstream.h2o;
