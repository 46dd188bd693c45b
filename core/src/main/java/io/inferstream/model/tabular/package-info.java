/**
 * What the tabular boosters (XGBoost, LightGBM) share between their adapters, free of any native library: a
 * record's named features written into a dense row-major matrix ({@link io.inferstream.model.tabular.FeatureColumns}),
 * a classifier's probabilities turned into a labelled prediction
 * ({@link io.inferstream.model.tabular.ClassProbabilities}), and the batch → matrix → native call → predictions loop
 * with the native booster's lifecycle ({@link io.inferstream.model.tabular.MatrixModel}), and the loader options they
 * share ({@link io.inferstream.model.tabular.BoosterOptions}: class labels, a vector input, threads). Each adapter
 * keeps only its own library's calls, objectives and options.
 */
package io.inferstream.model.tabular;
