package io.inferstream.xgboost;

import io.inferstream.data.DataType;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.tabular.ClassProbabilities;
import java.util.List;

/**
 * Turns what XGBoost predicts for one row into a {@link Prediction}, by the kind of objective:
 * <ul>
 *   <li>{@code binary:logistic}: a classifier, outputs {@code label} (text) and {@code probabilities}
 *       ({@code double[2]}: 1 − p, p); the label is the class whose probability is above 0.5, as
 *       {@code XGBClassifier.predict} decides;</li>
 *   <li>{@code multi:softprob}: a classifier, the same two outputs with one probability per class;</li>
 *   <li>{@code multi:softmax}: XGBoost itself predicts only the class index; the adapter asks for the margins and
 *       applies the softmax that {@code multi:softprob} would, so the label is XGBoost's class and the
 *       probabilities are softprob's;</li>
 *   <li>{@code rank:*}: {@code score} (a double: the relevance score to sort by);</li>
 *   <li>every other objective (the {@code reg:*} family, {@code count:poisson}, {@code survival:*},
 *       {@code binary:logitraw}, {@code binary:hinge}, ...): {@code prediction} (a double), exactly what
 *       XGBoost's {@code predict} returns, its objective's transform applied by XGBoost itself.</li>
 * </ul>
 *
 * <p>The classifiers' label and probabilities are {@link ClassProbabilities}', shared with the LightGBM adapter.
 *
 * <p>Thread safety: immutable.
 */
final class XgboostOutputs {
    /** How an objective's predictions are read. */
    enum Kind {
        BINARY_PROBABILITY, CLASS_PROBABILITIES, CLASS_MARGINS, SCORE, VALUE;

        static Kind of(String objective) {
            if (objective.equals("binary:logistic")) {
                return BINARY_PROBABILITY;
            }
            if (objective.equals("multi:softprob")) {
                return CLASS_PROBABILITIES;
            }
            if (objective.equals("multi:softmax")) {
                return CLASS_MARGINS;
            }
            return objective.startsWith("rank:") ? SCORE : VALUE;
        }

        /** @return true if XGBoost must return margins rather than transformed values for this kind. */
        boolean wantsMargins() {
            return this == CLASS_MARGINS;
        }
    }

    static final String SCORE = "score";
    static final String PREDICTION = "prediction";

    private final Kind kind;
    private final ClassProbabilities classes;
    private final List<FieldSpec> specs;

    private XgboostOutputs(Kind kind, ClassProbabilities classes, List<FieldSpec> specs) {
        this.kind = kind;
        this.classes = classes;
        this.specs = specs;
    }

    /**
     * @param objective the model's objective
     * @param numClass the model's class count ({@code num_class}; 0 for a binary model)
     * @param labels the configured labels, or empty for {@code 0..k-1}
     * @throws IllegalArgumentException if the labels do not match the class count
     */
    static XgboostOutputs of(String objective, int numClass, List<String> labels) {
        Kind kind = Kind.of(objective);
        switch (kind) {
            case BINARY_PROBABILITY:
            case CLASS_PROBABILITIES:
            case CLASS_MARGINS: {
                if (kind != Kind.BINARY_PROBABILITY && numClass < 2) {
                    throw new IllegalArgumentException("objective " + objective + " with num_class " + numClass);
                }
                ClassProbabilities classes = ClassProbabilities.of(kind == Kind.BINARY_PROBABILITY ? 2 : numClass,
                        labels, XgboostOptions.CLASS_LABELS);
                return new XgboostOutputs(kind, classes, classes.specs());
            }
            case SCORE:
                return new XgboostOutputs(kind, null, List.of(FieldSpec.scalar(SCORE, DataType.DOUBLE)));
            default:
                return new XgboostOutputs(kind, null, List.of(FieldSpec.scalar(PREDICTION, DataType.DOUBLE)));
        }
    }

    Kind kind() {
        return kind;
    }

    List<FieldSpec> specs() {
        return specs;
    }

    /** @return the class labels in class-index order, or null when the model is not a classifier. */
    List<String> classLabels() {
        return classes == null ? null : classes.labels();
    }

    /** @param values what XGBoost returned for one row (one value, or one per class) */
    Prediction toPrediction(float[] values) {
        switch (kind) {
            case BINARY_PROBABILITY: {
                double p = values[0];
                return classes.predict(new double[] {1 - p, p});
            }
            case CLASS_PROBABILITIES: {
                double[] p = new double[values.length];
                for (int c = 0; c < p.length; c++) {
                    p[c] = values[c];
                }
                return classes.predict(p);
            }
            case CLASS_MARGINS:
                return classes.predict(softmax(values));
            case SCORE:
                return Prediction.builder().output(SCORE, Tensor.scalar((double) values[0])).build();
            default:
                return Prediction.builder().output(PREDICTION, Tensor.scalar((double) values[0])).build();
        }
    }

    /** Softmax in double precision, shifted by the maximum so that large margins do not overflow. */
    private static double[] softmax(float[] margins) {
        double max = Double.NEGATIVE_INFINITY;
        for (float m : margins) {
            max = Math.max(max, m);
        }
        double[] p = new double[margins.length];
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            p[c] = Math.exp(margins[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < p.length; c++) {
            p[c] /= sum;
        }
        return p;
    }
}
