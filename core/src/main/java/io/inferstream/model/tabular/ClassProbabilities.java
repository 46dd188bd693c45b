package io.inferstream.model.tabular;

import io.inferstream.data.DataType;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import java.util.List;

/**
 * A classifier's classes and how its probabilities become a prediction: outputs {@value #LABEL} (text, the most
 * probable class; the first of equal maxima, as numpy's {@code argmax} and the boosters' {@code predict} pick) and
 * {@value #PROBABILITIES} ({@code double[classes]}), with the label and the label-to-probability map other
 * classifiers here report. Booster files hold only class indices, so labels are {@code 0..k-1} unless configured.
 *
 * <p>Thread safety: immutable.
 */
public final class ClassProbabilities {
    /** The output holding the most probable class's label. */
    public static final String LABEL = "label";
    /** The output holding one probability per class. */
    public static final String PROBABILITIES = "probabilities";

    private final String[] labels;
    private final List<FieldSpec> specs;

    private ClassProbabilities(String[] labels) {
        this.labels = labels;
        this.specs = List.of(FieldSpec.categorical(LABEL, List.of(labels)),
                FieldSpec.tensor(PROBABILITIES, DataType.DOUBLE, labels.length));
    }

    /**
     * @param classes the model's class count (at least 2)
     * @param configured the configured labels, in class order, or empty for {@code 0..classes-1}
     * @param labelsOption the loader option that configures them, named in the message
     * @throws IllegalArgumentException if there are fewer than two classes, or the labels do not match their count
     */
    public static ClassProbabilities of(int classes, List<String> configured, String labelsOption) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs two classes or more, the model has " + classes);
        }
        if (!configured.isEmpty() && configured.size() != classes) {
            throw new IllegalArgumentException("option " + labelsOption + " lists " + configured.size() + " labels "
                    + configured + ", but the model has " + classes + " classes");
        }
        String[] labels = new String[classes];
        for (int c = 0; c < classes; c++) {
            labels[c] = configured.isEmpty() ? Integer.toString(c) : configured.get(c);
        }
        return new ClassProbabilities(labels);
    }

    /** @return the outputs as {@code inspect} shows them. */
    public List<FieldSpec> specs() {
        return specs;
    }

    /** @return the class labels in class-index order. */
    public List<String> labels() {
        return List.of(labels);
    }

    /** @return the number of classes. */
    public int classes() {
        return labels.length;
    }

    /** @param p one probability per class, in class order; kept by the prediction, not copied */
    public Prediction predict(double[] p) {
        Prediction.Builder b = Prediction.builder();
        int best = 0;
        for (int c = 0; c < p.length; c++) {
            b.probability(labels[c], p[c]);
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return b.label(labels[best]).output(LABEL, Tensor.scalar(labels[best])).output(PROBABILITIES, Tensor.ofDoubles(p))
                .build();
    }
}
