/**
 * The Kafka edge of the scoring path: the header policy and dead letters of {@link io.inferstream.scoring} written
 * as Kafka headers, for the hosts that write Kafka records (the engine, the Kafka Streams processor). Nothing below
 * this package knows Kafka's types.
 */
package io.inferstream.kafka;
