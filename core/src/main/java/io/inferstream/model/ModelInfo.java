package io.inferstream.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a loaded model is: its name, version, format, input and output signature, and whether one instance
 * may be called from several threads at once.
 *
 * <p>The engine puts name and version on every output record, maps record fields to {@link #inputs()} by
 * name, and loads one model per worker thread when {@link #threadSafe()} is false.
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class ModelInfo {
    private final String name;
    private final String version;
    private final String format;
    private final List<FieldSpec> inputs;
    private final List<FieldSpec> outputs;
    private final boolean threadSafe;
    private final Map<String, String> properties;

    private ModelInfo(Builder b) {
        this.name = Objects.requireNonNull(b.name, "name");
        this.version = Objects.requireNonNull(b.version, "version");
        this.format = Objects.requireNonNull(b.format, "format");
        this.inputs = List.copyOf(b.inputs);
        this.outputs = List.copyOf(b.outputs);
        this.threadSafe = b.threadSafe;
        // In the order the adapter set them (Map.copyOf's order changes from run to run): inspect prints them as is.
        this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(b.properties));
    }

    /** @return a builder for a model of the given format. */
    public static Builder builder(String format) {
        return new Builder(format);
    }

    public String name() {
        return name;
    }

    public String version() {
        return version;
    }

    /** @return the format id of the loader that made it, e.g. {@code onnx}. */
    public String format() {
        return format;
    }

    /** @return the declared inputs, in the model's order. */
    public List<FieldSpec> inputs() {
        return inputs;
    }

    /** @return the declared outputs, in the model's order. */
    public List<FieldSpec> outputs() {
        return outputs;
    }

    /** @return the input of that name, or null. */
    public FieldSpec input(String inputName) {
        for (FieldSpec f : inputs) {
            if (f.name().equals(inputName)) {
                return f;
            }
        }
        return null;
    }

    /** @return true if {@link Model#predict} may be called concurrently on one instance. */
    public boolean threadSafe() {
        return threadSafe;
    }

    /**
     * @return framework-specific facts worth showing a user (producer, opset, model category, ...), unmodifiable, in
     *     the order the adapter set them
     */
    public Map<String, String> properties() {
        return properties;
    }

    /** @return a builder holding this info's values, e.g. to override the name. */
    public Builder toBuilder() {
        Builder b = new Builder(format).name(name).version(version).threadSafe(threadSafe);
        b.inputs.addAll(inputs);
        b.outputs.addAll(outputs);
        b.properties.putAll(properties);
        return b;
    }

    @Override
    public String toString() {
        return format + " model " + name + ":" + version + " inputs=" + inputs + " outputs=" + outputs
                + (threadSafe ? " (thread-safe)" : " (not thread-safe)");
    }

    /** Collects the parts of a {@link ModelInfo}. Not thread-safe. */
    public static final class Builder {
        private final String format;
        private final List<FieldSpec> inputs = new java.util.ArrayList<>();
        private final List<FieldSpec> outputs = new java.util.ArrayList<>();
        private final Map<String, String> properties = new LinkedHashMap<>();
        private String name = "model";
        private String version = "1";
        private boolean threadSafe;

        private Builder(String format) {
            this.format = format;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder version(String version) {
            this.version = version;
            return this;
        }

        public Builder input(FieldSpec input) {
            inputs.add(input);
            return this;
        }

        public Builder output(FieldSpec output) {
            outputs.add(output);
            return this;
        }

        public Builder threadSafe(boolean threadSafe) {
            this.threadSafe = threadSafe;
            return this;
        }

        public Builder property(String key, String value) {
            properties.put(Objects.requireNonNull(key, "property key"),
                    Objects.requireNonNull(value, () -> "value of property " + key));
            return this;
        }

        public ModelInfo build() {
            return new ModelInfo(this);
        }
    }
}
