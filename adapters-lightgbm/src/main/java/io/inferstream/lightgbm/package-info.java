/**
 * The LightGBM adapter: {@link io.inferstream.lightgbm.LightGbmLoader} loads LightGBM text models and serves them
 * through lightgbm4j (LightGBM's C++ library) behind the Model SPI.
 */
package io.inferstream.lightgbm;
