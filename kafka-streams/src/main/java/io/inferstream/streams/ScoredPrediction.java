package io.inferstream.streams;

import io.inferstream.codec.PredictionJson;
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
    // The record's fields, and their reading rules, are core's PredictionJson's: this is its kafka-streams face.
    private final PredictionJson record;

    /**
     * @param key the input record's key as text, or null
     * @param outputs output name to value (Double, String, Boolean, null, or nested Lists of them)
     * @param label the most probable class, or null
     * @param probabilities class label to probability, empty for a model that is not a classifier
     */
    public ScoredPrediction(String key, String model, String version, Map<String, Object> outputs, String label,
            Map<String, Double> probabilities) {
        this(PredictionJson.of(key, Objects.requireNonNull(model, "model"), Objects.requireNonNull(version, "version"),
                outputs, label, probabilities));
    }

    /** @param record a parsed prediction record with a model and a version */
    ScoredPrediction(PredictionJson record) {
        this.record = record;
    }

    /** @return the input record's key as text, if it had one that is UTF-8. */
    public Optional<String> key() {
        return Optional.ofNullable(record.key());
    }

    public String model() {
        return record.model();
    }

    public String version() {
        return record.version();
    }

    /** @return every output by name, in the model's order. */
    public Map<String, Object> outputs() {
        return record.values();
    }

    /**
     * @return a numeric output's values in row-major order (a scalar gives one value)
     * @throws IllegalArgumentException if there is no such output or it holds something other than numbers
     */
    public double[] numbers(String output) {
        return record.numbers(output);
    }

    /** @return the most probable class of a classifier. */
    public Optional<String> label() {
        return Optional.ofNullable(record.label());
    }

    /** @return class label to probability, in the model's class order; empty if not a classifier. */
    public Map<String, Double> probabilities() {
        return record.probabilities();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScoredPrediction && record.equals(((ScoredPrediction) o).record);
    }

    @Override
    public int hashCode() {
        return record.hashCode();
    }

    @Override
    public String toString() {
        return "ScoredPrediction{key=" + record.key() + ", model=" + record.model() + ":" + record.version()
                + ", outputs=" + record.values() + (record.label() == null ? "" : ", label=" + record.label()) + "}";
    }
}
