/**
 * An example of your own adapter behind the Model SPI: {@link io.inferstream.examples.custom.RulesLogisticLoader}
 * reads a small JSON file (features, classes, logistic coefficients and override rules) and
 * {@link io.inferstream.examples.custom.RulesLogisticModel} scores it in plain Java. Registered in
 * {@code META-INF/services/io.inferstream.model.ModelLoader}, so that {@code bin/inferstream} finds it when the jar is
 * on {@code INFERSTREAM_CLASSPATH}.
 */
package io.inferstream.examples.custom;
