/**
 * Avro and Protobuf records as Kafka producers write them: the Confluent schema-registry wire format (with a
 * {@link io.inferstream.schemas.SchemaRegistryClient}), bare bodies with schemas given as files, and Avro's
 * single-object encoding; predictions written back as Avro. Plugged into core as a
 * {@link io.inferstream.codec.RecordCodecProvider}.
 */
package io.inferstream.schemas;
