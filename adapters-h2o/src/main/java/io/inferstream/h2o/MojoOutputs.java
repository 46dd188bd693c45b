package io.inferstream.h2o;

import hex.ModelCategory;
import hex.genmodel.GenModel;
import io.inferstream.data.DataType;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelFailureException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns the {@code preds} array of {@code score0} into a {@link Prediction}, by model category, with the output
 * names H2O itself gives the columns of a prediction frame:
 * <ul>
 *   <li>binomial, multinomial, ordinal: {@code predict} (the label, text) and one probability per class, named as
 *       H2O names them (the class label, or {@code p0}, {@code p1} for integer labels); label and per-class
 *       probabilities are also set on the prediction;</li>
 *   <li>regression: {@code predict} (a double);</li>
 *   <li>clustering: {@code predict} (the cluster index, int64);</li>
 *   <li>anomaly detection: {@code predict} (the normalised anomaly score, higher is more anomalous) and
 *       {@code mean_length} (the mean path length); for a model trained with a contamination threshold,
 *       {@code predict} is the 0/1 anomaly flag (int64), followed by {@code score} and {@code mean_length}.</li>
 * </ul>
 * Other categories are refused at load time by {@link #of}.
 *
 * <p>Thread safety: immutable after construction.
 */
final class MojoOutputs {
    private final String modelName;
    private final ModelCategory category;
    private final String[] classLabels;
    private final String[] classOutputNames;
    private final boolean anomalyFlag;
    private final List<FieldSpec> specs;

    private MojoOutputs(String modelName, ModelCategory category, String[] classLabels, String[] classOutputNames,
            boolean anomalyFlag, List<FieldSpec> specs) {
        this.modelName = modelName;
        this.category = category;
        this.classLabels = classLabels;
        this.classOutputNames = classOutputNames;
        this.anomalyFlag = anomalyFlag;
        this.specs = List.copyOf(specs);
    }

    /**
     * @return the outputs of a model of a supported category
     * @throws UnsupportedOperationException naming the category, for the others
     */
    static MojoOutputs of(GenModel model, String modelName) {
        ModelCategory category = model.getModelCategory();
        List<FieldSpec> specs = new ArrayList<>();
        switch (category) {
            case Binomial:
            case Multinomial:
            case Ordinal: {
                String[] labels = model.getDomainValues(model.getResponseIdx());
                if (labels == null && model.nclasses() == 2) {
                    labels = new String[] {"0", "1"}; // quasibinomial: numeric 0/1 response, as EasyPredictModelWrapper
                }
                if (labels == null || labels.length != model.nclasses()) {
                    throw new UnsupportedOperationException("a " + category + " model whose response has no "
                            + model.nclasses() + "-level domain");
                }
                String[] names = classOutputNames(labels);
                specs.add(FieldSpec.categorical("predict", List.of(labels)));
                for (String n : names) {
                    specs.add(FieldSpec.scalar(n, DataType.DOUBLE));
                }
                return new MojoOutputs(modelName, category, labels, names, false, specs);
            }
            case Regression:
                specs.add(FieldSpec.scalar("predict", DataType.DOUBLE));
                return new MojoOutputs(modelName, category, null, null, false, specs);
            case Clustering:
                specs.add(FieldSpec.scalar("predict", DataType.INT64));
                return new MojoOutputs(modelName, category, null, null, false, specs);
            case AnomalyDetection: {
                boolean flag = model.getPredsSize() == 3;
                if (flag) {
                    specs.add(FieldSpec.scalar("predict", DataType.INT64));
                    specs.add(FieldSpec.scalar("score", DataType.DOUBLE));
                } else {
                    specs.add(FieldSpec.scalar("predict", DataType.DOUBLE));
                }
                specs.add(FieldSpec.scalar("mean_length", DataType.DOUBLE));
                return new MojoOutputs(modelName, category, null, null, flag, specs);
            }
            default:
                throw new UnsupportedOperationException("model category " + category + " is not supported (supported: "
                        + "Binomial, Multinomial, Ordinal, Regression, Clustering, AnomalyDetection)");
        }
    }

    /**
     * H2O's names for the probability columns: the label, or {@code p<label>} for an integer label. Should two
     * collide (or one be {@code predict}), every one becomes {@code p(<label>)}, which cannot collide.
     */
    private static String[] classOutputNames(String[] labels) {
        String[] names = new String[labels.length];
        Set<String> seen = new HashSet<>();
        seen.add("predict");
        boolean clash = false;
        for (int i = 0; i < labels.length; i++) {
            names[i] = isInteger(labels[i]) ? "p" + labels[i] : labels[i];
            clash |= !seen.add(names[i]);
        }
        if (clash) {
            for (int i = 0; i < labels.length; i++) {
                names[i] = "p(" + labels[i] + ")";
            }
        }
        return names;
    }

    private static boolean isInteger(String s) {
        try {
            Integer.parseInt(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** @return the output specs, in order. */
    List<FieldSpec> specs() {
        return specs;
    }

    /** @return the class labels in the model's order, or null for a model that is not a classifier. */
    String[] classLabels() {
        return classLabels == null ? null : classLabels.clone();
    }

    /**
     * @param preds what {@code score0} wrote
     * @throws ModelFailureException if the MOJO returned a class index outside its domain
     */
    Prediction toPrediction(double[] preds) throws ModelFailureException {
        Prediction.Builder b = Prediction.builder();
        switch (category) {
            case Binomial:
            case Multinomial:
            case Ordinal: {
                int index = (int) preds[0];
                if (index < 0 || index >= classLabels.length || preds[0] != index) {
                    throw new ModelFailureException("model " + modelName + " predicted class index " + preds[0]
                            + " outside its " + classLabels.length + " classes");
                }
                b.output("predict", Tensor.scalar(classLabels[index])).label(classLabels[index]);
                for (int c = 0; c < classLabels.length; c++) {
                    b.output(classOutputNames[c], Tensor.scalar(preds[c + 1]));
                    b.probability(classLabels[c], preds[c + 1]);
                }
                break;
            }
            case Regression:
                b.output("predict", Tensor.scalar(preds[0]));
                break;
            case Clustering:
                b.output("predict", Tensor.scalar((long) preds[0]));
                break;
            default: // AnomalyDetection, the only other category of() accepts
                if (anomalyFlag) {
                    b.output("predict", Tensor.scalar((long) preds[0]));
                    b.output("score", Tensor.scalar(preds[1]));
                    b.output("mean_length", Tensor.scalar(preds[2]));
                } else {
                    b.output("predict", Tensor.scalar(preds[0]));
                    b.output("mean_length", Tensor.scalar(preds[1]));
                }
        }
        return b.build();
    }
}
