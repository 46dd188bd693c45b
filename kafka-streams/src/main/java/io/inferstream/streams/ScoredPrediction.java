package io.inferstream.streams;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A prediction in Inferstream's JSON format, as the engine and the Streams processor write it:
 * <pre>{@code {"key":"user-17","model":"mnist","version":"3","outputs":{"probabilities":[0.01,0.93,...]},
 *  "label":"1","probabilities":{"0":0.01,"1":0.93,...}}}</pre>
 * Outputs keep their names and types: a number is a {@code Double}, a string a {@code String}, a boolean a
 * {@code Boolean}, a tensor nested {@code List}s following its shape. Read and write it with
 * {@link InferenceSerdes#prediction()}.
 *
 * <p>Thread safety: immutable.
 */
public final class ScoredPrediction {
    private final String key;
    private final String model;
    private final String version;
    private final Map<String, Object> outputs;
    private final String label;
    private final Map<String, Double> probabilities;

    /**
     * @param key the input record's key as text, or null
     * @param outputs output name to value (Double, String, Boolean, null, or nested Lists of them)
     * @param label the most probable class, or null
     * @param probabilities class label to probability, empty for a model that is not a classifier
     */
    public ScoredPrediction(String key, String model, String version, Map<String, Object> outputs, String label,
            Map<String, Double> probabilities) {
        this.key = key;
        this.model = Objects.requireNonNull(model, "model");
        this.version = Objects.requireNonNull(version, "version");
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        this.label = label;
        this.probabilities = Collections.unmodifiableMap(new LinkedHashMap<>(probabilities));
    }

    /** @return the input record's key as text, if it had one that is UTF-8. */
    public Optional<String> key() {
        return Optional.ofNullable(key);
    }

    public String model() {
        return model;
    }

    public String version() {
        return version;
    }

    /** @return every output by name, in the model's order. */
    public Map<String, Object> outputs() {
        return outputs;
    }

    /**
     * @return a numeric output's values in row-major order (a scalar gives one value)
     * @throws IllegalArgumentException if there is no such output or it holds something other than numbers
     */
    public double[] numbers(String output) {
        if (!outputs.containsKey(output)) {
            throw new IllegalArgumentException("no output '" + output + "'; outputs are " + outputs.keySet());
        }
        List<Double> flat = new java.util.ArrayList<>();
        flatten(output, outputs.get(output), flat);
        double[] out = new double[flat.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = flat.get(i);
        }
        return out;
    }

    private static void flatten(String output, Object value, List<Double> into) {
        if (value instanceof List) {
            for (Object e : (List<?>) value) {
                flatten(output, e, into);
            }
        } else if (value instanceof Double) {
            into.add((Double) value);
        } else {
            throw new IllegalArgumentException("output '" + output + "' holds " + value + ", not a number");
        }
    }

    /** @return the most probable class of a classifier. */
    public Optional<String> label() {
        return Optional.ofNullable(label);
    }

    /** @return class label to probability, in the model's class order; empty if not a classifier. */
    public Map<String, Double> probabilities() {
        return probabilities;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ScoredPrediction)) {
            return false;
        }
        ScoredPrediction p = (ScoredPrediction) o;
        return Objects.equals(key, p.key) && model.equals(p.model) && version.equals(p.version)
                && outputs.equals(p.outputs) && Objects.equals(label, p.label) && probabilities.equals(p.probabilities);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, model, version, outputs, label, probabilities);
    }

    @Override
    public String toString() {
        return "ScoredPrediction{key=" + key + ", model=" + model + ":" + version + ", outputs=" + outputs
                + (label == null ? "" : ", label=" + label) + "}";
    }
}
