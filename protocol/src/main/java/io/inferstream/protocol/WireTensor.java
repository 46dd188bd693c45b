package io.inferstream.protocol;

import io.inferstream.data.Tensor;
import java.util.Map;
import java.util.Objects;

/**
 * One named tensor as the Open Inference Protocol v2 carries it: a name, a wire {@link V2Datatype}, and the values
 * with their full shape (the batch dimension first), held in a core {@link Tensor} of the datatype's
 * {@link V2Datatype#local() local type}. Tensor-level parameters are kept as text.
 *
 * <p>Thread safety: immutable (the values follow {@link Tensor}'s contract).
 */
public final class WireTensor {
    private final String name;
    private final V2Datatype datatype;
    private final Tensor values;
    private final Map<String, String> parameters;

    /**
     * @throws IllegalArgumentException if the values are not of the datatype's local type
     */
    public WireTensor(String name, V2Datatype datatype, Tensor values, Map<String, String> parameters) {
        this.name = Objects.requireNonNull(name, "name");
        this.datatype = Objects.requireNonNull(datatype, "datatype");
        this.values = Objects.requireNonNull(values, "values");
        this.parameters = Map.copyOf(parameters);
        if (values.type() != datatype.local()) {
            throw new IllegalArgumentException("tensor '" + name + "': " + datatype + " values must be held as "
                    + datatype.local().displayName() + ", not " + values.type().displayName());
        }
    }

    /**
     * A tensor whose wire datatype is {@link V2Datatype#of} the values' type. Text becomes BYTES (UTF-8) with the
     * parameter {@code content_type: str} (Seldon MLServer's convention), so a reader can make it text again.
     */
    public static WireTensor of(String name, Tensor values) {
        if (values.type() == io.inferstream.data.DataType.STRING) {
            return new WireTensor(name, V2Datatype.BYTES,
                    Elements.coerce(values, io.inferstream.data.DataType.BYTES, values.shape()),
                    Map.of(V2Json.CONTENT_TYPE, "str"));
        }
        return new WireTensor(name, V2Datatype.of(values.type()), values, Map.of());
    }

    /** @return true for a BYTES tensor marked as text ({@code content_type: str}). */
    public boolean isText() {
        return datatype == V2Datatype.BYTES && "str".equals(parameters.get(V2Json.CONTENT_TYPE));
    }

    public String name() {
        return name;
    }

    public V2Datatype datatype() {
        return datatype;
    }

    /** @return the values, shaped as on the wire. */
    public Tensor values() {
        return values;
    }

    /** @return a copy of the full shape, batch dimension first. */
    public long[] shape() {
        return values.shape();
    }

    /** @return tensor-level parameters as text; empty if none. */
    public Map<String, String> parameters() {
        return parameters;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof WireTensor)) {
            return false;
        }
        WireTensor t = (WireTensor) o;
        return name.equals(t.name) && datatype == t.datatype && values.equals(t.values) && parameters.equals(t.parameters);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, datatype, values, parameters);
    }

    @Override
    public String toString() {
        return name + ":" + datatype + "=" + values;
    }
}
