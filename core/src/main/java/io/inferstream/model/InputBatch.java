package io.inferstream.model;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import java.util.List;

/**
 * Stacks one input field of a batch of rows into the flat, row-major array a framework takes as a
 * {@code [batch, ...shape]} tensor, checking each row and converting its numbers to the field's type.
 *
 * <p>Tensor adapters (ONNX, TensorFlow, DL4J) share this so that every framework applies the same rules:
 * a missing field, a wrong element count, a fraction into an integer input, or a string into a number input is
 * an {@link InvalidInputException} carrying the row's index in the batch and the field's name. Numbers widen or
 * narrow to the declared type (an int into a float input is fine); a row's own shape does not matter, only its
 * element count, so flat and nested arrays both fit the declared shape.
 *
 * <p>Thread safety: stateless, safe to share.
 */
public final class InputBatch {
    private InputBatch() {
    }

    /**
     * @return the number of elements each row must have for this field: the declared count, or, when a
     *     dimension is unknown, the count most rows have (all rows must then agree; taking the majority rather
     *     than the first row means one odd row is the one rejected, not all the others)
     */
    public static int elementsPerRow(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        long declared = spec.elementCount();
        if (declared >= 0) {
            return Math.toIntExact(declared);
        }
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        int best = -1;
        int bestCount = 0;
        for (int r = 0; r < batch.size(); r++) {
            int size = require(batch, r, spec).size();
            int c = counts.merge(size, 1, Integer::sum);
            if (c > bestCount) {
                best = size;
                bestCount = c;
            }
        }
        return best;
    }

    /**
     * @return the batch tensor's shape: {@code [batch, ...declared shape]}, unknown dimensions resolved from
     *     the first row when the row's own shape has the declared rank, else flattened
     */
    public static long[] batchShape(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        long[] declared = spec.shape();
        long[] shape = new long[declared.length + 1];
        shape[0] = batch.size();
        if (spec.isFixedShape()) {
            System.arraycopy(declared, 0, shape, 1, declared.length);
            return shape;
        }
        Tensor first = require(batch, 0, spec);
        long[] rowShape = first.shape();
        if (rowShape.length == declared.length) {
            System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
            return shape;
        }
        if (declared.length == 1) {
            shape[1] = first.size();
            return shape;
        }
        throw new InvalidInputException(0, spec.name(), "has shape " + java.util.Arrays.toString(rowShape)
                + " which does not fit the declared " + spec.typeAndShape());
    }

    public static float[] floats(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        int n = elementsPerRow(batch, spec);
        float[] out = new float[Math.multiplyExact(n, batch.size())];
        for (int r = 0; r < batch.size(); r++) {
            Tensor t = require(batch, r, spec, n);
            if (t.type() == DataType.FLOAT) {
                System.arraycopy(t.asFloats(), 0, out, r * n, n);
            } else {
                numeric(t, r, spec);
                for (int i = 0; i < n; i++) {
                    out[r * n + i] = (float) t.getDouble(i);
                }
            }
        }
        return out;
    }

    public static double[] doubles(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        int n = elementsPerRow(batch, spec);
        double[] out = new double[Math.multiplyExact(n, batch.size())];
        for (int r = 0; r < batch.size(); r++) {
            Tensor t = require(batch, r, spec, n);
            if (t.type() == DataType.DOUBLE) {
                System.arraycopy(t.asDoubles(), 0, out, r * n, n);
            } else {
                numeric(t, r, spec);
                for (int i = 0; i < n; i++) {
                    out[r * n + i] = t.getDouble(i);
                }
            }
        }
        return out;
    }

    public static long[] longs(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        int n = elementsPerRow(batch, spec);
        long[] out = new long[Math.multiplyExact(n, batch.size())];
        for (int r = 0; r < batch.size(); r++) {
            Tensor t = require(batch, r, spec, n);
            if (t.type() == DataType.INT64) {
                System.arraycopy(t.asLongs(), 0, out, r * n, n);
            } else {
                numeric(t, r, spec);
                for (int i = 0; i < n; i++) {
                    out[r * n + i] = wholeNumber(t, i, r, spec, Long.MIN_VALUE, Long.MAX_VALUE);
                }
            }
        }
        return out;
    }

    public static int[] ints(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        int n = elementsPerRow(batch, spec);
        int[] out = new int[Math.multiplyExact(n, batch.size())];
        for (int r = 0; r < batch.size(); r++) {
            Tensor t = require(batch, r, spec, n);
            if (t.type() == DataType.INT32) {
                System.arraycopy(t.asInts(), 0, out, r * n, n);
            } else {
                numeric(t, r, spec);
                for (int i = 0; i < n; i++) {
                    out[r * n + i] = (int) wholeNumber(t, i, r, spec, Integer.MIN_VALUE, Integer.MAX_VALUE);
                }
            }
        }
        return out;
    }

    public static boolean[] booleans(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        int n = elementsPerRow(batch, spec);
        boolean[] out = new boolean[Math.multiplyExact(n, batch.size())];
        for (int r = 0; r < batch.size(); r++) {
            Tensor t = require(batch, r, spec, n);
            if (t.type() != DataType.BOOL) {
                throw new InvalidInputException(r, spec.name(), "expected booleans, got " + t.type().displayName(), null);
            }
            System.arraycopy(t.asBooleans(), 0, out, r * n, n);
        }
        return out;
    }

    public static String[] strings(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        int n = elementsPerRow(batch, spec);
        String[] out = new String[Math.multiplyExact(n, batch.size())];
        for (int r = 0; r < batch.size(); r++) {
            Tensor t = require(batch, r, spec, n);
            if (t.type() == DataType.STRING) {
                System.arraycopy(t.asStrings(), 0, out, r * n, n);
            } else if (t.type() == DataType.BYTES) {
                byte[][] b = t.asBytes();
                for (int i = 0; i < n; i++) {
                    out[r * n + i] = new String(b[i], java.nio.charset.StandardCharsets.UTF_8);
                }
            } else {
                throw new InvalidInputException(r, spec.name(), "expected strings, got " + t.type().displayName(), null);
            }
        }
        return out;
    }

    /** Strings become their UTF-8 bytes; bytes pass through. */
    public static byte[][] bytes(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        int n = elementsPerRow(batch, spec);
        byte[][] out = new byte[Math.multiplyExact(n, batch.size())][];
        for (int r = 0; r < batch.size(); r++) {
            Tensor t = require(batch, r, spec, n);
            if (t.type() == DataType.BYTES) {
                System.arraycopy(t.asBytes(), 0, out, r * n, n);
            } else if (t.type() == DataType.STRING) {
                String[] s = t.asStrings();
                for (int i = 0; i < n; i++) {
                    out[r * n + i] = s[i].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                }
            } else {
                throw new InvalidInputException(r, spec.name(), "expected strings or bytes, got "
                        + t.type().displayName(), null);
            }
        }
        return out;
    }

    private static Tensor require(List<Features> batch, int row, FieldSpec spec) throws InvalidInputException {
        Tensor t = batch.get(row).get(spec.name());
        if (t == null) {
            throw new InvalidInputException(row, spec.name(), "missing (the model needs " + spec.typeAndShape() + ")", null);
        }
        return t;
    }

    private static Tensor require(List<Features> batch, int row, FieldSpec spec, int elements)
            throws InvalidInputException {
        Tensor t = require(batch, row, spec);
        if (t.size() != elements) {
            throw new InvalidInputException(row, spec.name(), "has " + t.size() + " values but the model needs "
                    + elements + " (" + spec.typeAndShape() + ")", null);
        }
        return t;
    }

    private static void numeric(Tensor t, int row, FieldSpec spec) throws InvalidInputException {
        if (!t.type().isNumeric() && t.type() != DataType.BOOL) {
            throw new InvalidInputException(row, spec.name(), "expected numbers, got " + t.type().displayName(), null);
        }
    }

    private static long wholeNumber(Tensor t, int i, int row, FieldSpec spec, long min, long max)
            throws InvalidInputException {
        if (t.type() == DataType.INT64) {
            long v = t.asLongs()[i];
            if (v < min || v > max) {
                throw new InvalidInputException(row, spec.name(), "value " + v + " is out of range for "
                        + spec.type().displayName(), null);
            }
            return v;
        }
        double v = t.getDouble(i);
        if (v != Math.rint(v) || v < min || v > max) {
            throw new InvalidInputException(row, spec.name(), "value " + v + " is not a whole number in range for "
                    + spec.type().displayName(), null);
        }
        return (long) v;
    }
}
