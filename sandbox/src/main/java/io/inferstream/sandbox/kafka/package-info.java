/**
 * A real Apache Kafka broker inside this JVM ({@link io.inferstream.sandbox.kafka.EmbeddedKafkaBroker}, Kafka's own
 * KRaft server in combined mode, on 127.0.0.1 only), also as a process of its own on fixed ports
 * ({@link io.inferstream.sandbox.kafka.StandaloneBroker}), with optional SSL and SASL_SSL listeners whose
 * certificates {@link io.inferstream.sandbox.kafka.TlsFixture} makes. The demo, the examples, the benchmarks and every
 * test that needs Kafka run against it, so nothing is mocked and nothing has to be installed.
 */
package io.inferstream.sandbox.kafka;
