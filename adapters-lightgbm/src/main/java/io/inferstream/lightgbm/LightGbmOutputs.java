package io.inferstream.lightgbm;

import io.inferstream.data.DataType;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what LightGBM predicts for one row (its "normal" prediction: the objective's transform applied by LightGBM)
 * into a {@link Prediction}, by objective:
 * <ul>
 *   <li>{@code binary}: a classifier, outputs {@code label} (text) and {@code probabilities} ({@code double[2]}:
 *       1 − p, p); the label is the class with p > 0.5, as {@code LGBMClassifier.predict} decides;</li>
 *   <li>{@code multiclass}, {@code multiclassova}: a classifier, one probability per class, label = argmax;</li>
 *   <li>{@code lambdarank}, {@code rank_xendcg}: {@code score} (double);</li>
 *   <li>every other (regression and its variants, poisson, gamma, tweedie, cross_entropy, ...): {@code prediction}
 *       (double).</li>
 * </ul>
 *
 * <p>Thread safety: immutable.
 */
final class LightGbmOutputs {
    static final String LABEL = "label";
    static final String PROBABILITIES = "probabilities";
    static final String SCORE = "score";
    static final String PREDICTION = "prediction";

    private final String output;
    private final String[] labels;
    private final boolean binary;
    private final List<FieldSpec> specs;

    private LightGbmOutputs(String output, String[] labels, boolean binary, List<FieldSpec> specs) {
        this.output = output;
        this.labels = labels;
        this.binary = binary;
        this.specs = specs;
    }

    /**
     * @throws IllegalArgumentException if the configured labels do not match the class count
     */
    static LightGbmOutputs of(String objective, int numClass, List<String> labels) {
        boolean binary = objective.equals("binary");
        if (binary || objective.startsWith("multiclass")) {
            int classes = binary ? 2 : numClass;
            if (!labels.isEmpty() && labels.size() != classes) {
                throw new IllegalArgumentException("option " + LightGbmOptions.CLASS_LABELS + " lists " + labels.size()
                        + " labels " + labels + ", but the model has " + classes + " classes");
            }
            String[] names = new String[classes];
            for (int c = 0; c < classes; c++) {
                names[c] = labels.isEmpty() ? Integer.toString(c) : labels.get(c);
            }
            List<FieldSpec> specs = new ArrayList<>();
            specs.add(FieldSpec.categorical(LABEL, List.of(names)));
            specs.add(FieldSpec.tensor(PROBABILITIES, DataType.DOUBLE, classes));
            return new LightGbmOutputs(null, names, binary, List.copyOf(specs));
        }
        String output = objective.equals("lambdarank") || objective.equals("rank_xendcg") ? SCORE : PREDICTION;
        return new LightGbmOutputs(output, null, false, List.of(FieldSpec.scalar(output, DataType.DOUBLE)));
    }

    List<FieldSpec> specs() {
        return specs;
    }

    /** @return how many numbers LightGBM returns per row. */
    int valuesPerRow() {
        return labels == null || binary ? 1 : labels.length;
    }

    /** @return the class labels in class-index order, or null when the model is not a classifier. */
    List<String> classLabels() {
        return labels == null ? null : List.of(labels);
    }

    /** @param values LightGBM's predictions for a batch; row {@code row}'s are at {@code row * valuesPerRow()} */
    Prediction toPrediction(double[] values, int row) {
        int at = row * valuesPerRow();
        if (labels == null) {
            return Prediction.builder().output(output, Tensor.scalar(values[at])).build();
        }
        double[] p = binary ? new double[] {1 - values[at], values[at]}
                : java.util.Arrays.copyOfRange(values, at, at + labels.length);
        Prediction.Builder b = Prediction.builder();
        int best = 0;
        for (int c = 0; c < p.length; c++) {
            b.probability(labels[c], p[c]);
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return b.label(labels[best]).output(LABEL, Tensor.scalar(labels[best]))
                .output(PROBABILITIES, Tensor.ofDoubles(p)).build();
    }
}
