package io.inferstream.testkit.contract;

import java.util.List;
import java.util.Map;

/**
 * A prediction record as the engine writes it, parsed back for assertions: the tests' name for core's
 * {@link io.inferstream.codec.PredictionJson}, which does the parsing.
 *
 * <p>Thread safety: immutable after parsing.
 */
public final class PredictionJson {
    private final io.inferstream.codec.PredictionJson parsed;

    private PredictionJson(io.inferstream.codec.PredictionJson parsed) {
        this.parsed = parsed;
    }

    /** @throws java.io.UncheckedIOException if the value is not a prediction object */
    public static PredictionJson parse(byte[] value) {
        return new PredictionJson(io.inferstream.codec.PredictionJson.parse(value));
    }

    public String key() {
        return parsed.key();
    }

    public String model() {
        return parsed.model();
    }

    public String version() {
        return parsed.version();
    }

    /** @return the classifier label, or null. */
    public String label() {
        return parsed.label();
    }

    /** @return output name to its flattened elements. */
    public Map<String, List<Object>> outputs() {
        return parsed.outputs();
    }

    /** @return a numeric output's elements as doubles. */
    public double[] numbers(String output) {
        return parsed.numbers(output);
    }

    /** @return class label to probability; empty if not a classifier. */
    public Map<String, Double> probabilities() {
        return parsed.probabilities();
    }
}
