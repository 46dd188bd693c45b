package io.inferstream.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The model's answer for one input row: every model output under its own name and type, plus, for
 * classifiers, a label and per-class probabilities.
 *
 * <p>Model name and version are not repeated here: the engine takes them from {@code ModelInfo} and puts
 * them on every output record.
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class Prediction {
    private final Map<String, Tensor> outputs;
    private final String label;
    private final Map<String, Double> probabilities;

    private Prediction(Map<String, Tensor> outputs, String label, Map<String, Double> probabilities) {
        this.outputs = outputs;
        this.label = label;
        this.probabilities = probabilities;
    }

    /** @return a new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a prediction with the given outputs and no classifier view. */
    public static Prediction of(Map<String, Tensor> outputs) {
        return builder().outputs(outputs).build();
    }

    /** @return the model outputs by name, in the model's output order. */
    public Map<String, Tensor> outputs() {
        return outputs;
    }

    /** @return one output, or null if the model has no output of that name. */
    public Tensor output(String name) {
        return outputs.get(name);
    }

    /** @return the predicted class label, for classifiers. */
    public Optional<String> label() {
        return Optional.ofNullable(label);
    }

    /** @return class label to probability, in the model's class order; empty if not a classifier. */
    public Map<String, Double> probabilities() {
        return probabilities;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Prediction)) {
            return false;
        }
        Prediction p = (Prediction) o;
        return outputs.equals(p.outputs) && Objects.equals(label, p.label) && probabilities.equals(p.probabilities);
    }

    @Override
    public int hashCode() {
        return Objects.hash(outputs, label, probabilities);
    }

    @Override
    public String toString() {
        return "Prediction{outputs=" + outputs + (label == null ? "" : ", label=" + label + ", probabilities=" + probabilities) + '}';
    }

    /** Collects the parts of a {@link Prediction}. Not thread-safe; use one per row. */
    public static final class Builder {
        private Map<String, Tensor> outputs = new LinkedHashMap<>();
        private Map<String, Double> probabilities = new LinkedHashMap<>();
        private String label;
        /** True once {@link #build} handed the maps to a prediction: the next change copies them first. */
        private boolean handedOver;

        private Builder() {
        }

        private void ownMaps() {
            if (handedOver) {
                outputs = new LinkedHashMap<>(outputs);
                probabilities = new LinkedHashMap<>(probabilities);
                handedOver = false;
            }
        }

        public Builder output(String name, Tensor value) {
            ownMaps();
            outputs.put(Objects.requireNonNull(name, "output name"), Objects.requireNonNull(value, "output value"));
            return this;
        }

        public Builder outputs(Map<String, Tensor> values) {
            values.forEach(this::output);
            return this;
        }

        public Builder label(String label) {
            this.label = label;
            return this;
        }

        public Builder probability(String label, double probability) {
            ownMaps();
            probabilities.put(Objects.requireNonNull(label, "class label"), probability);
            return this;
        }

        public Prediction build() {
            // No copies per prediction (adapters build one per record); a builder used again copies first.
            handedOver = true;
            return new Prediction(Collections.unmodifiableMap(outputs), label,
                    probabilities.isEmpty() ? Map.of() : Collections.unmodifiableMap(probabilities));
        }
    }
}
