/**
 * Flink SQL functions that score Inferstream models: {@code PREDICT}, {@code PREDICT_LABEL} and the table function
 * {@code PREDICT_OUTPUTS}, registered by {@link io.inferstream.flink.sql.InferenceFunctions}.
 */
package io.inferstream.flink.sql;
