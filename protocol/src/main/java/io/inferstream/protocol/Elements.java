package io.inferstream.protocol;

import io.inferstream.data.DataType;
import io.inferstream.data.Tensor;
import java.nio.charset.StandardCharsets;

/**
 * Element-wise work on the typed arrays behind {@link Tensor}s: allocate, copy with type coercion, slice. Coercion
 * follows the JSON decoder's rule: numbers convert between numeric types, but a fraction never goes into an integer;
 * text and bytes convert through UTF-8; nothing else converts.
 *
 * <p>Thread safety: stateless.
 */
final class Elements {
    private Elements() {
    }

    static Object array(DataType type, int n) {
        switch (type) {
            case FLOAT: return new float[n];
            case DOUBLE: return new double[n];
            case INT32: return new int[n];
            case INT64: return new long[n];
            case BOOL: return new boolean[n];
            case STRING: return new String[n];
            default: return new byte[n][];
        }
    }

    static Tensor tensor(DataType type, Object array, long[] shape) {
        switch (type) {
            case FLOAT: return Tensor.ofFloats((float[]) array, shape);
            case DOUBLE: return Tensor.ofDoubles((double[]) array, shape);
            case INT32: return Tensor.ofInts((int[]) array, shape);
            case INT64: return Tensor.ofLongs((long[]) array, shape);
            case BOOL: return Tensor.ofBooleans((boolean[]) array, shape);
            case STRING: return Tensor.ofStrings((String[]) array, shape);
            default: return Tensor.ofBytes((byte[][]) array, shape);
        }
    }

    static Object backing(Tensor t) {
        switch (t.type()) {
            case FLOAT: return t.asFloats();
            case DOUBLE: return t.asDoubles();
            case INT32: return t.asInts();
            case INT64: return t.asLongs();
            case BOOL: return t.asBooleans();
            case STRING: return t.asStrings();
            default: return t.asBytes();
        }
    }

    /**
     * Copies element {@code j} of {@code src} into {@code dst[i]} of type {@code type}.
     *
     * @throws IllegalArgumentException if the value cannot be had in that type without changing it
     */
    static void put(Object dst, DataType type, int i, Tensor src, int j) {
        DataType from = src.type();
        if (from == type) {
            System.arraycopy(backing(src), j, dst, i, 1);
            return;
        }
        switch (type) {
            case FLOAT:
                ((float[]) dst)[i] = (float) number(src, j, type);
                return;
            case DOUBLE:
                ((double[]) dst)[i] = number(src, j, type);
                return;
            case INT32:
                ((int[]) dst)[i] = Math.toIntExact(integer(src, j, type));
                return;
            case INT64:
                ((long[]) dst)[i] = integer(src, j, type);
                return;
            case STRING:
                if (from == DataType.BYTES) {
                    ((String[]) dst)[i] = new String(src.asBytes()[j], StandardCharsets.UTF_8);
                    return;
                }
                break;
            case BYTES:
                if (from == DataType.STRING) {
                    ((byte[][]) dst)[i] = src.asStrings()[j].getBytes(StandardCharsets.UTF_8);
                    return;
                }
                break;
            default:
                break;
        }
        throw new IllegalArgumentException("expected " + type.displayName() + ", got " + from.displayName());
    }

    private static double number(Tensor src, int j, DataType type) {
        if (!src.type().isNumeric()) {
            throw new IllegalArgumentException("expected " + type.displayName() + ", got " + src.type().displayName());
        }
        return src.getDouble(j);
    }

    private static long integer(Tensor src, int j, DataType type) {
        if (src.type() == DataType.INT32 || src.type() == DataType.INT64) {
            return src.type() == DataType.INT32 ? src.asInts()[j] : src.asLongs()[j];
        }
        double d = number(src, j, type);
        if (d != Math.rint(d) || Double.isInfinite(d) || Math.abs(d) > 0x1p53) {
            throw new IllegalArgumentException("expected " + type.displayName() + ", got " + d + " (not an integer)");
        }
        return (long) d;
    }

    /** @return the tensor's values as {@code type} with the given shape (no copy when nothing changes). */
    static Tensor coerce(Tensor src, DataType type, long[] shape) {
        int n = src.size();
        Object dst;
        if (src.type() == type) {
            dst = backing(src);
        } else {
            dst = array(type, n);
            for (int i = 0; i < n; i++) {
                put(dst, type, i, src, i);
            }
        }
        return tensor(type, dst, shape);
    }

    /** @return elements {@code [from, from+count)} of {@code whole} as a new tensor of the given shape. */
    static Tensor slice(Tensor whole, int from, int count, long[] shape) {
        Object dst = array(whole.type(), count);
        System.arraycopy(backing(whole), from, dst, 0, count);
        return tensor(whole.type(), dst, shape);
    }
}
