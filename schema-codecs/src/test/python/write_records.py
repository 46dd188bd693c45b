#!/usr/bin/python3
"""Writes Avro records to a Kafka topic with writers independent of Inferstream's Java code.

Usage: write_records.py SPEC.json

SPEC: {"bootstrap": "127.0.0.1:9092", "topic": "t", "encoding": "registry" | "binary" | "single-object",
       "registry": "http://127.0.0.1:8081",          # registry encoding only
       "schemas": ["<avro schema json>", ...],
       "records": [{"key": "k-0", "schema": 0, "value": {...}}, ...],
       "raw": [{"key": "k-9", "hex": "00000000..."}]} # bytes written as they are (bad records)

- registry: Confluent's own serializer (python3-confluent-kafka's MessageSerializer over python3-avro), which
  registers each schema under <topic>-value through the registry's REST API and frames each record
  (byte 0, 4-byte schema id, body).
- binary: python3-avro's DatumWriter body, nothing else.
- single-object: C3 01, the schema's CRC-64-AVRO fingerprint of its Parsing Canonical Form (computed here from the
  Avro specification, little-endian), then the body.
Records are sent with librdkafka (confluent_kafka.Producer).
"""
import io
import json
import struct
import sys

import avro.io
import avro.schema
from confluent_kafka import Producer

EMPTY = 0xC15D213AA4D7A795


def _table():
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (EMPTY & -(fp & 1))
        table.append(fp & 0xFFFFFFFFFFFFFFFF)
    return table


TABLE = _table()


def fingerprint64(data):
    fp = EMPTY
    for b in data:
        fp = (fp >> 8) ^ TABLE[(fp ^ b) & 0xFF]
    return fp & 0xFFFFFFFFFFFFFFFF


def body(schema, value):
    out = io.BytesIO()
    avro.io.DatumWriter(schema).write(value, avro.io.BinaryEncoder(out))
    return out.getvalue()


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    schemas = [avro.schema.parse(s) for s in spec["schemas"]]
    encoding = spec["encoding"]
    serializer = None
    if encoding == "registry":
        from confluent_kafka.avro.cached_schema_registry_client import CachedSchemaRegistryClient
        from confluent_kafka.avro.serializer.message_serializer import MessageSerializer
        serializer = MessageSerializer(CachedSchemaRegistryClient({"url": spec["registry"]}))
    producer = Producer({"bootstrap.servers": spec["bootstrap"], "linger.ms": 5})
    failures = []

    def delivered(err, msg):
        if err is not None:
            failures.append(str(err))

    for r in spec["records"]:
        schema = schemas[r["schema"]]
        if encoding == "registry":
            value = serializer.encode_record_with_schema(spec["topic"], schema, r["value"])
        elif encoding == "single-object":
            canonical = schema.canonical_form.encode("utf-8")
            value = b"\xc3\x01" + struct.pack("<Q", fingerprint64(canonical)) + body(schema, r["value"])
        else:
            value = body(schema, r["value"])
        producer.produce(spec["topic"], key=r["key"].encode(), value=value, on_delivery=delivered)
        producer.poll(0)
    for r in spec.get("raw", []):
        producer.produce(spec["topic"], key=r["key"].encode(), value=bytes.fromhex(r["hex"]), on_delivery=delivered)
    producer.flush(30)
    if failures:
        sys.exit("delivery failed: " + "; ".join(failures[:3]))
    print(len(spec["records"]) + len(spec.get("raw", [])))


if __name__ == "__main__":
    main()
