package io.inferstream.flink;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A prediction or a dead letter, ready to write (e.g. with {@link InferenceKafka#serializer(String)}). A prediction's
 * value is Inferstream's prediction JSON and its headers say which model version scored it; a dead letter keeps the
 * input's key and value and adds the engine's reason headers ({@link io.inferstream.scoring.DeadLetterHeaders}). A
 * Flink POJO.
 *
 * <p>Thread safety: mutable, not thread-safe, as Flink records are.
 */
public class InferenceOutput {
    /** The input's key. */
    public byte[] key;
    /** Prediction JSON, or for a dead letter the input's value. */
    public byte[] value;
    /** The input's headers plus the model's (and a dead letter's reason). */
    public Map<String, byte[]> headers = new LinkedHashMap<>();
    /** True for a dead letter: {@link FlinkInference} sends these to its side output. */
    public boolean deadLetter;

    /** For Flink's POJO serializer. */
    public InferenceOutput() {
    }

    InferenceOutput(byte[] key, byte[] value, Map<String, byte[]> headers, boolean deadLetter) {
        this.key = key;
        this.value = value;
        this.headers = headers;
        this.deadLetter = deadLetter;
    }

    /** @return a header's value as UTF-8 text, or null if absent. */
    public String header(String name) {
        byte[] v = headers.get(name);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** @return the value as UTF-8 text (prediction JSON), or null. */
    public String valueText() {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return (deadLetter ? "DeadLetter{" : "Prediction{") + (key == null ? "" : new String(key, StandardCharsets.UTF_8))
                + " " + (deadLetter ? header(io.inferstream.scoring.DeadLetterHeaders.ERROR_MESSAGE) : valueText()) + "}";
    }
}
