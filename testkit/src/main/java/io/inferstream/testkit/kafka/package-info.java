/**
 * A real Apache Kafka broker inside the test JVM ({@link io.inferstream.sandbox.kafka.EmbeddedKafkaBroker}, KRaft
 * combined mode on 127.0.0.1 only) and small helpers to produce, consume and count records on it
 * ({@link io.inferstream.testkit.kafka.KafkaRecords}), so engine and adapter tests run against Kafka itself rather
 * than mocks.
 */
package io.inferstream.testkit.kafka;
