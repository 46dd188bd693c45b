package io.inferstream.model;

import io.inferstream.data.DataType;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The declared name, type and per-record shape of one model input or output.
 *
 * <p>{@code shape} is the shape of <em>one record's</em> value: the batch dimension the framework adds is
 * left out. An unknown dimension is {@code -1}; a scalar has shape {@code []}. Categorical columns of tabular
 * models list their allowed {@code levels}; for everything else the list is empty.
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class FieldSpec {
    private final String name;
    private final DataType type;
    private final long[] shape;
    private final List<String> levels;

    private FieldSpec(String name, DataType type, long[] shape, List<String> levels) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.shape = shape.clone();
        this.levels = List.copyOf(levels);
    }

    /** A tensor field with the given per-record shape ({@code -1} for an unknown dimension). */
    public static FieldSpec tensor(String name, DataType type, long... shape) {
        return new FieldSpec(name, type, shape, List.of());
    }

    /** A scalar field. */
    public static FieldSpec scalar(String name, DataType type) {
        return new FieldSpec(name, type, new long[0], List.of());
    }

    /** A categorical string column with its allowed levels. */
    public static FieldSpec categorical(String name, List<String> levels) {
        return new FieldSpec(name, DataType.STRING, new long[0], levels);
    }

    public String name() {
        return name;
    }

    public DataType type() {
        return type;
    }

    /** @return a copy of the per-record shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** @return true if the shape is {@code []}. */
    public boolean isScalar() {
        return shape.length == 0;
    }

    /** @return true if every dimension is known. */
    public boolean isFixedShape() {
        for (long d : shape) {
            if (d < 0) {
                return false;
            }
        }
        return true;
    }

    /** @return the number of elements per record, or -1 if a dimension is unknown. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            n *= d;
        }
        return n;
    }

    /** @return allowed categorical levels; empty when not categorical. */
    public List<String> levels() {
        return levels;
    }

    /** @return e.g. {@code float[784]}, {@code int64[-1, 3]} or {@code string} for a scalar. */
    public String typeAndShape() {
        return type.displayName() + (shape.length == 0 ? "" : Arrays.toString(shape));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FieldSpec)) {
            return false;
        }
        FieldSpec f = (FieldSpec) o;
        return name.equals(f.name) && type == f.type && Arrays.equals(shape, f.shape) && levels.equals(f.levels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape), levels);
    }

    @Override
    public String toString() {
        return name + ": " + typeAndShape() + (levels.isEmpty() ? "" : " levels=" + levels);
    }
}
