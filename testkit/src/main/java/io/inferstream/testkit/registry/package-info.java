/**
 * A stand-in for a schema registry (no real one can run on the project's machines): the part of Confluent's REST API
 * that record serializers, the engine and Python's Confluent client use, on 127.0.0.1.
 */
package io.inferstream.testkit.registry;
