#!/usr/bin/python3
"""Reads Avro predictions from a topic with Confluent's own deserializer and prints them as JSON lines.

Usage: read_predictions.py BOOTSTRAP TOPIC REGISTRY_URL COUNT

Each record's schema is fetched from the registry by the id in its header (python3-confluent-kafka's
MessageSerializer over python3-avro), so this is a reader independent of Inferstream's Java code.
"""
import json
import sys

from confluent_kafka import Consumer
from confluent_kafka.avro.cached_schema_registry_client import CachedSchemaRegistryClient
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer


def main():
    bootstrap, topic, registry, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    serializer = MessageSerializer(CachedSchemaRegistryClient({"url": registry}))
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "read-predictions", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])
    seen = 0
    idle = 0
    while seen < count and idle < 60:
        msg = consumer.poll(0.5)
        if msg is None:
            idle += 1
            continue
        if msg.error():
            continue
        value = serializer.decode_message(msg.value())
        print(json.dumps({"key": msg.key().decode(), "value": value}))
        seen += 1
    consumer.close()


if __name__ == "__main__":
    main()
