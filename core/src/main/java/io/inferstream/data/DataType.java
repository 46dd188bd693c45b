package io.inferstream.data;

/**
 * Element type of a {@link Tensor} or of a model input/output field.
 *
 * <p>The set is deliberately small: it is what the supported frameworks have in common. Adapters map
 * their own types onto these and reject the rest at load time with a message naming the field.
 */
public enum DataType {
    /** 32-bit IEEE float, backed by {@code float[]}. */
    FLOAT,
    /** 64-bit IEEE float, backed by {@code double[]}. */
    DOUBLE,
    /** 32-bit signed integer, backed by {@code int[]}. */
    INT32,
    /** 64-bit signed integer, backed by {@code long[]}. */
    INT64,
    /** Boolean, backed by {@code boolean[]}. */
    BOOL,
    /** Text, backed by {@code String[]}; encoded as UTF-8 where a framework wants bytes. */
    STRING,
    /** Opaque bytes (e.g. a serialized tf.Example sent as {@code {"b64": "..."}}), backed by {@code byte[][]}. */
    BYTES;

    /** @return true for the four numeric types. */
    public boolean isNumeric() {
        return this == FLOAT || this == DOUBLE || this == INT32 || this == INT64;
    }

    /** @return true for the integer types, into which a JSON fraction must not be coerced. */
    public boolean isInteger() {
        return this == INT32 || this == INT64;
    }

    /** @return the lower-case name used in configuration and in {@code inspect} output. */
    public String displayName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
