#!/usr/bin/python3
"""Writes Protobuf records to a Kafka topic with writers independent of Inferstream's Java code.

Usage: write_protobuf.py SPEC.json

SPEC: {"bootstrap": "...", "topic": "t", "encoding": "binary" | "registry", "registry": "http://...",
       "module_dir": "<folder holding txn_pb2.py made by protoc --python_out>",
       "records": [{"key": "k-0", "value": {...Txn as JSON...}}], "raw": [{"key": "...", "hex": "..."}]}

- binary: python3-protobuf's SerializeToString of shop.Txn.
- registry: Confluent's own ProtobufSerializer (python3-confluent-kafka), which registers the schema under
  <topic>-value through the registry's REST API and frames each record (byte 0, schema id, message indexes).
"""
import json
import sys

from confluent_kafka import Producer
from google.protobuf import json_format


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    sys.path.insert(0, spec["module_dir"])
    import txn_pb2
    serialize = lambda m: m.SerializeToString()
    if spec["encoding"] == "registry":
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
        from confluent_kafka.serialization import MessageField, SerializationContext
        serializer = ProtobufSerializer(txn_pb2.Txn, SchemaRegistryClient({"url": spec["registry"]}))
        context = SerializationContext(spec["topic"], MessageField.VALUE)
        serialize = lambda m: serializer(m, context)
    producer = Producer({"bootstrap.servers": spec["bootstrap"], "linger.ms": 5})
    failures = []

    def delivered(err, msg):
        if err is not None:
            failures.append(str(err))

    for r in spec["records"]:
        message = json_format.ParseDict(r["value"], txn_pb2.Txn())
        producer.produce(spec["topic"], key=r["key"].encode(), value=serialize(message), on_delivery=delivered)
        producer.poll(0)
    for r in spec.get("raw", []):
        producer.produce(spec["topic"], key=r["key"].encode(), value=bytes.fromhex(r["hex"]), on_delivery=delivered)
    producer.flush(30)
    if failures:
        sys.exit("delivery failed: " + "; ".join(failures[:3]))
    print(len(spec["records"]) + len(spec.get("raw", [])))


if __name__ == "__main__":
    main()
