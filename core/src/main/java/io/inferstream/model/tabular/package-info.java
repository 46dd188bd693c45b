/**
 * What the tabular boosters (XGBoost, LightGBM) share between their adapters, free of any native library: a
 * record's named features written into a dense row-major matrix ({@link io.inferstream.model.tabular.FeatureColumns}),
 * a classifier's probabilities turned into a labelled prediction
 * ({@link io.inferstream.model.tabular.ClassProbabilities}), and the batch → matrix → native call → predictions loop
 * with the native booster's lifecycle ({@link io.inferstream.model.tabular.MatrixModel}). Each adapter keeps only
 * its own library's calls and objectives.
 */
package io.inferstream.model.tabular;
