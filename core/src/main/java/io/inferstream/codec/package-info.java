/**
 * Record codecs: decoders from Kafka record values (JSON, CSV, raw float32) into model input rows, made for a
 * model's signature so they parse straight into primitive arrays, and the JSON prediction encoder.
 */
package io.inferstream.codec;
