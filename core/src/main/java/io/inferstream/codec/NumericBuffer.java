package io.inferstream.codec;

import io.inferstream.data.DataType;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import java.util.Arrays;

/**
 * A growable primitive array of one numeric, boolean or text type, filled value by value while parsing and
 * then handed to a {@link Tensor} without copying when its size is exact. Keeps the decoders free of boxing.
 *
 * <p>Public for the decoders of other modules (Avro, Protobuf), so that every codec converts numbers by the same
 * rules.
 *
 * <p>Thread safety: not thread-safe; one per field being decoded.
 */
public final class NumericBuffer {
    private final DataType type;
    private float[] floats;
    private double[] doubles;
    private int[] ints;
    private long[] longs;
    private boolean[] booleans;
    private Object[] objects;
    private int size;

    /**
     * @param type the element type of the tensor being filled
     * @param expectedSize elements expected (the buffer grows past it)
     */
    public NumericBuffer(DataType type, int expectedSize) {
        this.type = type;
        int capacity = Math.max(1, expectedSize);
        switch (type) {
            case FLOAT: floats = new float[capacity]; break;
            case DOUBLE: doubles = new double[capacity]; break;
            case INT32: ints = new int[capacity]; break;
            case INT64: longs = new long[capacity]; break;
            case BOOL: booleans = new boolean[capacity]; break;
            default: objects = new Object[capacity]; break;
        }
    }

    public DataType type() {
        return type;
    }

    public int size() {
        return size;
    }

    private void ensureCapacity() {
        int capacity = capacity();
        if (size < capacity) {
            return;
        }
        int grown = Math.max(8, capacity * 2);
        switch (type) {
            case FLOAT: floats = Arrays.copyOf(floats, grown); break;
            case DOUBLE: doubles = Arrays.copyOf(doubles, grown); break;
            case INT32: ints = Arrays.copyOf(ints, grown); break;
            case INT64: longs = Arrays.copyOf(longs, grown); break;
            case BOOL: booleans = Arrays.copyOf(booleans, grown); break;
            default: objects = Arrays.copyOf(objects, grown); break;
        }
    }

    private int capacity() {
        switch (type) {
            case FLOAT: return floats.length;
            case DOUBLE: return doubles.length;
            case INT32: return ints.length;
            case INT64: return longs.length;
            case BOOL: return booleans.length;
            default: return objects.length;
        }
    }

    public void addFloat(float v) {
        ensureCapacity();
        floats[size++] = v;
    }

    public void addDouble(double v) {
        ensureCapacity();
        doubles[size++] = v;
    }

    public void addInt(int v) {
        ensureCapacity();
        ints[size++] = v;
    }

    public void addLong(long v) {
        ensureCapacity();
        longs[size++] = v;
    }

    public void addBoolean(boolean v) {
        ensureCapacity();
        booleans[size++] = v;
    }

    public void addObject(Object v) {
        ensureCapacity();
        objects[size++] = v;
    }

    /**
     * Adds a number parsed from text, converted to this buffer's type.
     *
     * @param literal the number as the record wrote it, for the error message; null: {@code v} is shown instead
     * @throws InvalidInputException for a fraction or an out-of-range value into an integer type, a non-finite
     *     value (or one that overflows the type) when not allowed, or a number into a text or boolean field
     */
    public void addNumber(double v, String literal, String field, boolean allowNonFinite) throws InvalidInputException {
        if (!allowNonFinite && !isFiniteAs(v, type)) {
            throw notFinite(field, literal != null ? literal : Double.toString(v), type);
        }
        switch (type) {
            case FLOAT: addFloat((float) v); return;
            case DOUBLE: addDouble(v); return;
            case INT32:
                addInt((int) whole(v, field, Integer.MIN_VALUE, Integer.MAX_VALUE));
                return;
            case INT64:
                addLong(whole(v, field, Long.MIN_VALUE, Long.MAX_VALUE));
                return;
            default:
                throw new InvalidInputException(field, "expected " + type.displayName() + ", got the number " + v);
        }
    }

    /**
     * @return whether {@code v} stays finite in an input of this type: 1e39 is a finite double but Infinity as a
     *     float, and must not slip into a float model as Infinity just because the double was finite
     */
    public static boolean isFiniteAs(double v, DataType type) {
        return type == DataType.FLOAT ? Float.isFinite((float) v) : Double.isFinite(v);
    }

    /**
     * The decoders' one rule for NaN and infinities ({@code input.allow.nan}), with a message that quotes the
     * number as written: "NaN is not allowed", or, for a number too large for the input's type such as 1e999,
     * that it would become Infinity (which a user who wrote no "Infinity" would not guess).
     *
     * @param literal the number as the record wrote it
     */
    public static InvalidInputException notFinite(String field, String literal, DataType type) {
        String remedy = "set input.allow.nan=true to pass NaN and infinities to the model";
        boolean spelledOut = literal.chars().noneMatch(Character::isDigit); // NaN, Infinity, -Infinity, +INF
        return new InvalidInputException(field, spelledOut
                ? literal + " is not allowed (" + remedy + ")"
                : RecordBytes.quote(literal) + " is too large for " + type.displayName() + " and would be Infinity, "
                        + "which is not allowed (" + remedy + ")");
    }

    private static long whole(double v, String field, long min, long max) throws InvalidInputException {
        if (v != Math.rint(v) || v < min || v > max) {
            throw new InvalidInputException(field, v + " is not a whole number in the range of the model's integer input");
        }
        return (long) v;
    }

    /**
     * @return the per-record shape of a tensor input given {@code size} elements: the declared shape when fixed, its
     *     one unknown dimension solved from the count, else a vector
     * @throws InvalidInputException if the count does not fit the declared shape
     */
    public static long[] shapeFor(FieldSpec spec, int size) throws InvalidInputException {
        return JsonRecordDecoder.tensorShape(spec, size);
    }

    /** @return a tensor of the filled values with the given shape (whose element count must equal size()). */
    public Tensor toTensor(long[] shape) {
        switch (type) {
            case FLOAT: return Tensor.ofFloats(exact(floats), shape);
            case DOUBLE: return Tensor.ofDoubles(exact(doubles), shape);
            case INT32: return Tensor.ofInts(exact(ints), shape);
            case INT64: return Tensor.ofLongs(exact(longs), shape);
            case BOOL: return Tensor.ofBooleans(exact(booleans), shape);
            case STRING: return hasBytes() ? Tensor.ofBytes(utf8(), shape)
                    : Tensor.ofStrings(Arrays.copyOf(objects, size, String[].class), shape);
            default: return Tensor.ofBytes(utf8(), shape);
        }
    }

    private boolean hasBytes() {
        for (int i = 0; i < size; i++) {
            if (objects[i] instanceof byte[]) {
                return true;
            }
        }
        return false;
    }

    /** Text elements as UTF-8, binary ones as they are: a text field with one binary value keeps it whole. */
    private byte[][] utf8() {
        byte[][] out = new byte[size][];
        for (int i = 0; i < size; i++) {
            out[i] = objects[i] instanceof String
                    ? ((String) objects[i]).getBytes(java.nio.charset.StandardCharsets.UTF_8) : (byte[]) objects[i];
        }
        return out;
    }

    private float[] exact(float[] a) {
        return a.length == size ? a : Arrays.copyOf(a, size);
    }

    private double[] exact(double[] a) {
        return a.length == size ? a : Arrays.copyOf(a, size);
    }

    private int[] exact(int[] a) {
        return a.length == size ? a : Arrays.copyOf(a, size);
    }

    private long[] exact(long[] a) {
        return a.length == size ? a : Arrays.copyOf(a, size);
    }

    private boolean[] exact(boolean[] a) {
        return a.length == size ? a : Arrays.copyOf(a, size);
    }
}
