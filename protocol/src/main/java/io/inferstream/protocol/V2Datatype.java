package io.inferstream.protocol;

import io.inferstream.data.DataType;

/**
 * The tensor datatypes of the Open Inference Protocol v2, with the core {@link DataType} that holds each.
 *
 * <p>Narrow integers are widened on the way in (INT8, INT16, UINT8, UINT16 into INT32; UINT32, UINT64 into INT64) and
 * range-checked, so no value changes. FP16 and BF16 are refused with a clear error: core has no half-precision type,
 * and converting silently would change a model's numbers. Outgoing tensors use {@link #of(DataType)}: STRING goes out
 * as BYTES (UTF-8), as the protocol has no string type.
 *
 * <p>Thread safety: an enum, immutable.
 */
public enum V2Datatype {
    BOOL(DataType.BOOL, 1, 0, 1),
    UINT8(DataType.INT32, 1, 0, 0xFF),
    UINT16(DataType.INT32, 2, 0, 0xFFFF),
    UINT32(DataType.INT64, 4, 0, 0xFFFF_FFFFL),
    UINT64(DataType.INT64, 8, 0, Long.MAX_VALUE),
    INT8(DataType.INT32, 1, Byte.MIN_VALUE, Byte.MAX_VALUE),
    INT16(DataType.INT32, 2, Short.MIN_VALUE, Short.MAX_VALUE),
    INT32(DataType.INT32, 4, Integer.MIN_VALUE, Integer.MAX_VALUE),
    INT64(DataType.INT64, 8, Long.MIN_VALUE, Long.MAX_VALUE),
    FP16(null, 2, 0, 0),
    BF16(null, 2, 0, 0),
    FP32(DataType.FLOAT, 4, 0, 0),
    FP64(DataType.DOUBLE, 8, 0, 0),
    BYTES(DataType.BYTES, -1, 0, 0);

    private final DataType local;
    private final int width;
    private final long min;
    private final long max;

    V2Datatype(DataType local, int width, long min, long max) {
        this.local = local;
        this.width = width;
        this.min = min;
        this.max = max;
    }

    /**
     * @param wire the datatype as written in a body, e.g. {@code FP32}
     * @param tensor the tensor it belongs to, for the message
     * @throws ProtocolException if it is unknown, or FP16/BF16
     */
    public static V2Datatype parse(String wire, String tensor) {
        V2Datatype t;
        try {
            t = valueOf(wire);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ProtocolException(tensor, "unknown datatype " + (wire == null ? "(none)" : "'" + wire + "'")
                    + "; the protocol's are BOOL, INT8..INT64, UINT8..UINT64, FP16, BF16, FP32, FP64, BYTES", null);
        }
        if (t.local == null) {
            throw new ProtocolException(tensor, "datatype " + wire + " is not supported: Inferstream has no "
                    + "half-precision type and will not round values silently; send FP32", null);
        }
        return t;
    }

    /** @return the wire datatype for a core type: FP32, FP64, INT32, INT64, BOOL, or BYTES for STRING and BYTES. */
    public static V2Datatype of(DataType type) {
        switch (type) {
            case FLOAT: return FP32;
            case DOUBLE: return FP64;
            case INT32: return INT32;
            case INT64: return INT64;
            case BOOL: return BOOL;
            default: return BYTES;
        }
    }

    /** @return the core type whose arrays hold this datatype's values. */
    public DataType local() {
        return local;
    }

    /** @return bytes per element in {@code raw_*_contents}; -1 for BYTES (length-prefixed). */
    public int width() {
        return width;
    }

    /** @return true for the integer datatypes. */
    public boolean isInteger() {
        return max != 0 && this != BOOL;
    }

    /** @throws ProtocolException if an integer value does not fit this datatype. */
    void checkRange(long value, String tensor) {
        if (isInteger() && (value < min || value > max)) {
            throw new ProtocolException(tensor, "value " + value + " is out of range for " + name(), null);
        }
    }
}
