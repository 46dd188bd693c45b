package io.inferstream.lightgbm;

import io.inferstream.data.DataType;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.tabular.ClassProbabilities;
import java.util.Arrays;
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
 * <p>The classifiers' label and probabilities are {@link ClassProbabilities}', shared with the XGBoost adapter.
 *
 * <p>Thread safety: immutable.
 */
final class LightGbmOutputs {
    static final String SCORE = "score";
    static final String PREDICTION = "prediction";

    private final String output;
    private final ClassProbabilities classes;
    private final boolean binary;
    private final List<FieldSpec> specs;

    private LightGbmOutputs(String output, ClassProbabilities classes, boolean binary, List<FieldSpec> specs) {
        this.output = output;
        this.classes = classes;
        this.binary = binary;
        this.specs = specs;
    }

    /**
     * @throws IllegalArgumentException if the configured labels do not match the class count
     */
    static LightGbmOutputs of(String objective, int numClass, List<String> labels) {
        boolean binary = objective.equals("binary");
        if (binary || objective.startsWith("multiclass")) {
            ClassProbabilities classes = ClassProbabilities.of(binary ? 2 : numClass, labels,
                    LightGbmOptions.CLASS_LABELS);
            return new LightGbmOutputs(null, classes, binary, classes.specs());
        }
        String output = objective.equals("lambdarank") || objective.equals("rank_xendcg") ? SCORE : PREDICTION;
        return new LightGbmOutputs(output, null, false, List.of(FieldSpec.scalar(output, DataType.DOUBLE)));
    }

    List<FieldSpec> specs() {
        return specs;
    }

    /** @return how many numbers LightGBM returns per row. */
    int valuesPerRow() {
        return classes == null || binary ? 1 : classes.classes();
    }

    /** @return the class labels in class-index order, or null when the model is not a classifier. */
    List<String> classLabels() {
        return classes == null ? null : classes.labels();
    }

    /** @param values LightGBM's predictions for a batch; row {@code row}'s are at {@code row * valuesPerRow()} */
    Prediction toPrediction(double[] values, int row) {
        int at = row * valuesPerRow();
        if (classes == null) {
            return Prediction.builder().output(output, Tensor.scalar(values[at])).build();
        }
        return classes.predict(binary ? new double[] {1 - values[at], values[at]}
                : Arrays.copyOfRange(values, at, at + classes.classes()));
    }
}
