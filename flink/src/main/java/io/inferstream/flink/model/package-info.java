/**
 * Flink SQL's own model API for Inferstream: {@code CREATE MODEL ... WITH ('provider' = 'inferstream', ...)} and
 * {@code ML_PREDICT}. {@link io.inferstream.flink.model.InferstreamModelProviderFactory} is found by Flink through
 * {@code META-INF/services/org.apache.flink.table.factories.Factory}; the model's {@code WITH} options are the
 * engine's own configuration keys ({@code model.path}, {@code model.topic}/{@code model.name}, {@code model.url},
 * {@code model.config.*}, {@code input.*}, {@code max.batch.size}, ...), so any adapter on the class path and any
 * deployment source the engine knows (fixed file, versioned folder, model topic, model server) work here too.
 */
package io.inferstream.flink.model;
