package io.inferstream.flink;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A record to score: the raw key and value (e.g. a Kafka record's, read by {@link InferenceKafka#deserializer()}), its
 * headers, and where it came from, which a dead letter reports. A Flink POJO (public fields, no-argument constructor),
 * so Flink serializes it without Kryo.
 *
 * <p>Thread safety: mutable, not thread-safe, as Flink records are; do not change one after emitting it.
 */
public class InferenceInput {
    /** The record key, or null; predictions keep it and sticky routing hashes it. */
    public byte[] key;
    /** The record value to decode (JSON by default), or null (a dead letter at stage decode). */
    public byte[] value;
    /** The record's headers; predictions and dead letters keep them. */
    public Map<String, byte[]> headers = new LinkedHashMap<>();
    /** Source topic, or null if the record did not come from Kafka. */
    public String topic;
    /** Source partition, or -1. */
    public int partition = -1;
    /** Source offset, or -1. */
    public long offset = -1;

    /** For Flink's POJO serializer. */
    public InferenceInput() {
    }

    /** @return a record with no origin, e.g. for a job that does not read Kafka. */
    public static InferenceInput of(byte[] key, byte[] value) {
        InferenceInput in = new InferenceInput();
        in.key = key;
        in.value = value;
        return in;
    }

    /** @return a record that came from Kafka, with its origin for dead letters. */
    public static InferenceInput fromKafka(byte[] key, byte[] value, Map<String, byte[]> headers, String topic,
            int partition, long offset) {
        InferenceInput in = of(key, value);
        in.headers = new LinkedHashMap<>(headers);
        in.topic = topic;
        in.partition = partition;
        in.offset = offset;
        return in;
    }
}
