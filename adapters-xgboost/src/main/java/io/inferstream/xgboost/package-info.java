/**
 * The XGBoost adapter: {@link io.inferstream.xgboost.XgboostLoader} loads models saved by XGBoost (JSON, UBJSON,
 * legacy binary) and serves them through xgboost4j's in-place prediction behind the Model SPI.
 */
package io.inferstream.xgboost;
