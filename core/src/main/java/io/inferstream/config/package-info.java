/** The engine's configuration: typed, validated and documented keys in Kafka's {@code ConfigDef} style. */
package io.inferstream.config;
