package io.inferstream.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, row-major array of one {@link DataType} with a shape; a scalar is a tensor of shape {@code []}.
 *
 * <p>Thread safety: immutable by contract and so safe to share. To keep the hot path free of copies the
 * backing array is handed over, not copied, in both directions: whoever creates a tensor must not modify the
 * array afterwards, and callers of the {@code as*} accessors must treat the returned array as read-only.
 */
public final class Tensor {
    private final DataType type;
    private final long[] shape;
    private final Object data;

    private Tensor(DataType type, long[] shape, Object data, int length) {
        this.type = type;
        this.shape = shape.clone();
        this.data = data;
        long expected = elementCount(this.shape);
        if (expected != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + expected
                    + " elements but " + length + " were given");
        }
    }

    /** A float vector of {@code data.length} elements. */
    public static Tensor ofFloats(float[] data) {
        return new Tensor(DataType.FLOAT, new long[] {data.length}, data, data.length);
    }

    /** A float tensor of the given shape ({@code []} for a scalar); the element counts must agree. */
    public static Tensor ofFloats(float[] data, long... shape) {
        return new Tensor(DataType.FLOAT, shape, data, data.length);
    }

    /** A double vector of {@code data.length} elements. */
    public static Tensor ofDoubles(double[] data) {
        return new Tensor(DataType.DOUBLE, new long[] {data.length}, data, data.length);
    }

    /** A double tensor of the given shape ({@code []} for a scalar); the element counts must agree. */
    public static Tensor ofDoubles(double[] data, long... shape) {
        return new Tensor(DataType.DOUBLE, shape, data, data.length);
    }

    /** A int32 vector of {@code data.length} elements. */
    public static Tensor ofInts(int[] data) {
        return new Tensor(DataType.INT32, new long[] {data.length}, data, data.length);
    }

    /** A int32 tensor of the given shape ({@code []} for a scalar); the element counts must agree. */
    public static Tensor ofInts(int[] data, long... shape) {
        return new Tensor(DataType.INT32, shape, data, data.length);
    }

    /** A int64 vector of {@code data.length} elements. */
    public static Tensor ofLongs(long[] data) {
        return new Tensor(DataType.INT64, new long[] {data.length}, data, data.length);
    }

    /** A int64 tensor of the given shape ({@code []} for a scalar); the element counts must agree. */
    public static Tensor ofLongs(long[] data, long... shape) {
        return new Tensor(DataType.INT64, shape, data, data.length);
    }

    /** A boolean vector of {@code data.length} elements. */
    public static Tensor ofBooleans(boolean[] data) {
        return new Tensor(DataType.BOOL, new long[] {data.length}, data, data.length);
    }

    /** A boolean tensor of the given shape ({@code []} for a scalar); the element counts must agree. */
    public static Tensor ofBooleans(boolean[] data, long... shape) {
        return new Tensor(DataType.BOOL, shape, data, data.length);
    }

    /** A string vector of {@code data.length} elements. */
    public static Tensor ofStrings(String[] data) {
        return new Tensor(DataType.STRING, new long[] {data.length}, data, data.length);
    }

    /** A string tensor of the given shape ({@code []} for a scalar); the element counts must agree. */
    public static Tensor ofStrings(String[] data, long... shape) {
        return new Tensor(DataType.STRING, shape, data, data.length);
    }

    /** A bytes vector of {@code data.length} elements. */
    public static Tensor ofBytes(byte[][] data) {
        return new Tensor(DataType.BYTES, new long[] {data.length}, data, data.length);
    }

    /** A bytes tensor of the given shape ({@code []} for a scalar); the element counts must agree. */
    public static Tensor ofBytes(byte[][] data, long... shape) {
        return new Tensor(DataType.BYTES, shape, data, data.length);
    }

    /** A float scalar (shape {@code []}). */
    public static Tensor scalar(float value) {
        return new Tensor(DataType.FLOAT, new long[0], new float[] {value}, 1);
    }

    /** A double scalar (shape {@code []}). */
    public static Tensor scalar(double value) {
        return new Tensor(DataType.DOUBLE, new long[0], new double[] {value}, 1);
    }

    /** An int64 scalar (shape {@code []}). */
    public static Tensor scalar(long value) {
        return new Tensor(DataType.INT64, new long[0], new long[] {value}, 1);
    }

    /** A boolean scalar (shape {@code []}). */
    public static Tensor scalar(boolean value) {
        return new Tensor(DataType.BOOL, new long[0], new boolean[] {value}, 1);
    }

    /** A string scalar (shape {@code []}). */
    public static Tensor scalar(String value) {
        return new Tensor(DataType.STRING, new long[0], new String[] {Objects.requireNonNull(value)}, 1);
    }

    /** @return the product of the dimensions; 1 for a scalar. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("a tensor's shape cannot have an unknown dimension: "
                        + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public DataType type() {
        return type;
    }

    /** @return a copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** @return the number of dimensions; 0 for a scalar. */
    public int rank() {
        return shape.length;
    }

    /** @return the number of elements. */
    public int size() {
        return java.lang.reflect.Array.getLength(data);
    }

    /** @return true if this tensor has shape {@code []}. */
    public boolean isScalar() {
        return shape.length == 0;
    }

    public float[] asFloats() {
        return (float[]) require(DataType.FLOAT);
    }

    public double[] asDoubles() {
        return (double[]) require(DataType.DOUBLE);
    }

    public int[] asInts() {
        return (int[]) require(DataType.INT32);
    }

    public long[] asLongs() {
        return (long[]) require(DataType.INT64);
    }

    public boolean[] asBooleans() {
        return (boolean[]) require(DataType.BOOL);
    }

    public String[] asStrings() {
        return (String[]) require(DataType.STRING);
    }

    public byte[][] asBytes() {
        return (byte[][]) require(DataType.BYTES);
    }

    /**
     * Element {@code i} of a numeric or boolean tensor as a double (booleans are 0/1), whatever its type.
     *
     * @throws IllegalStateException for string and bytes tensors
     */
    public double getDouble(int i) {
        switch (type) {
            case FLOAT: return ((float[]) data)[i];
            case DOUBLE: return ((double[]) data)[i];
            case INT32: return ((int[]) data)[i];
            case INT64: return ((long[]) data)[i];
            case BOOL: return ((boolean[]) data)[i] ? 1 : 0;
            default: throw new IllegalStateException("a " + type.displayName() + " tensor has no numeric value");
        }
    }

    /** Element {@code i} as an object: a boxed number, Boolean, String or byte[]. */
    public Object get(int i) {
        switch (type) {
            case FLOAT: return ((float[]) data)[i];
            case DOUBLE: return ((double[]) data)[i];
            case INT32: return ((int[]) data)[i];
            case INT64: return ((long[]) data)[i];
            case BOOL: return ((boolean[]) data)[i];
            case STRING: return ((String[]) data)[i];
            default: return ((byte[][]) data)[i];
        }
    }

    private Object require(DataType wanted) {
        if (type != wanted) {
            throw new IllegalStateException("tensor holds " + type.displayName() + ", not " + wanted.displayName());
        }
        return data;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Tensor)) {
            return false;
        }
        Tensor t = (Tensor) o;
        return type == t.type && Arrays.equals(shape, t.shape) && Arrays.deepEquals(new Object[] {data}, new Object[] {t.data});
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, Arrays.hashCode(shape), Arrays.deepHashCode(new Object[] {data}));
    }

    @Override
    public String toString() {
        int n = size();
        StringBuilder sb = new StringBuilder(type.displayName()).append(Arrays.toString(shape)).append('{');
        for (int i = 0; i < Math.min(n, 8); i++) {
            sb.append(i == 0 ? "" : ", ").append(type == DataType.BYTES ? "<" + ((byte[][]) data)[i].length + " bytes>" : get(i));
        }
        return sb.append(n > 8 ? ", ...}" : "}").toString();
    }
}
