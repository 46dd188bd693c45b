/**
 * Model monitoring, free of Kafka types: accuracy from delayed labels joined with the predictions made for the same
 * key ({@link io.inferstream.monitor.LabelJoin}), and drift of the inputs and of the predictions as a population
 * stability index against a reference ({@link io.inferstream.monitor.DriftMonitor}). Both report through Micrometer
 * meters tagged with model name and version, so versions in an A/B split are compared on the same metric.
 * {@link io.inferstream.monitor.ModelMonitor} feeds both from the scoring pipeline's results; the Kafka engine adds a
 * consumer of the labels topic around it.
 */
package io.inferstream.monitor;
