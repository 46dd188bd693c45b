package io.inferstream.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One input row: named values, each a {@link Tensor} (a scalar is a rank-0 tensor).
 *
 * <p>A field that is absent is <em>missing</em>. Tabular adapters (H2O, PMML) apply the model's own
 * missing-value treatment; tensor adapters (ONNX, TensorFlow, DL4J) reject the row with an
 * {@code InvalidInputException} naming the field.
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class Features {
    private static final Features EMPTY = new Features(Map.of());
    private final Map<String, Tensor> values;

    private Features(Map<String, Tensor> values) {
        this.values = values;
    }

    /** @return a row with the given fields, in the map's iteration order. */
    public static Features of(Map<String, Tensor> values) {
        Map<String, Tensor> copy = new LinkedHashMap<>(values.size() * 2);
        values.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "field name"),
                Objects.requireNonNull(v, () -> "value of field '" + k + "' (leave a missing field out instead)")));
        return new Features(Collections.unmodifiableMap(copy));
    }

    /** @return a row with a single field. */
    public static Features of(String name, Tensor value) {
        return of(Map.of(name, value));
    }

    /** @return a row with no fields. */
    public static Features empty() {
        return EMPTY;
    }

    /** @return a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the value of a field, or null if it is missing. */
    public Tensor get(String name) {
        return values.get(name);
    }

    /** @return true if the field is present. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** @return the present field names, in insertion order. */
    public Set<String> names() {
        return values.keySet();
    }

    /** @return an unmodifiable view of all fields. */
    public Map<String, Tensor> asMap() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Features && values.equals(((Features) o).values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "Features" + values;
    }

    /** Collects fields for a {@link Features} row. Not thread-safe; use one per row. */
    public static final class Builder {
        private Map<String, Tensor> values = new LinkedHashMap<>();
        /** True once {@link #build} handed {@link #values} to a row: the next put copies it first. */
        private boolean handedOver;

        private Builder() {
        }

        /** Sets a field; a later value for the same name replaces the earlier one. */
        public Builder put(String name, Tensor value) {
            if (handedOver) {
                values = new LinkedHashMap<>(values);
                handedOver = false;
            }
            values.put(Objects.requireNonNull(name, "field name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder put(String name, double value) {
            return put(name, Tensor.scalar(value));
        }

        public Builder put(String name, String value) {
            return put(name, Tensor.scalar(value));
        }

        public Builder put(String name, float[] vector) {
            return put(name, Tensor.ofFloats(vector));
        }

        public Features build() {
            // No copy per row (decoders build one row per record); a builder used again copies before changing.
            handedOver = true;
            return new Features(Collections.unmodifiableMap(values));
        }
    }
}
