/**
 * Models on a Kafka topic: {@link io.inferstream.deploy.kafka.ModelPublisher} writes versions (descriptor and
 * chunked bytes) and routings to a compacted model topic, {@link io.inferstream.deploy.kafka.ModelTopicSource}
 * follows it as a {@link io.inferstream.deploy.DeploymentSource}, and {@link io.inferstream.deploy.kafka.ModelTopicState}
 * is what either reads from it. The record layout is described in {@link io.inferstream.deploy.kafka.ModelTopic}.
 */
package io.inferstream.deploy.kafka;
