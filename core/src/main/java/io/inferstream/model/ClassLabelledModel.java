package io.inferstream.model;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives a model that outputs only a probability (or score) vector the classifier view: the most probable label
 * and a label-to-probability map, from labels supplied by configuration ({@code model.class.labels}). Predictions
 * that already carry a label (e.g. from a converted scikit-learn classifier) pass through unchanged.
 *
 * <p>Thread safety: as thread-safe as the model it wraps; it adds no state.
 */
public final class ClassLabelledModel extends ForwardingModel {
    private final List<String> labels;
    private final String output;

    private ClassLabelledModel(Model delegate, List<String> labels, String output) {
        super(delegate);
        this.labels = List.copyOf(labels);
        this.output = output;
    }

    /**
     * @param model the model to wrap
     * @param labels class labels, in the order of the probability output's values
     * @param outputName the output holding the probabilities, or null/empty for the only output with one value
     *     per label
     * @throws ModelLoadException if no such output exists, naming the model's outputs
     */
    public static ClassLabelledModel wrap(Model model, List<String> labels, String outputName) throws ModelLoadException {
        ModelInfo info = model.info();
        if (outputName != null && !outputName.isBlank()) {
            for (FieldSpec f : info.outputs()) {
                if (f.name().equals(outputName)) {
                    requireWidth(info, f, labels);
                    return new ClassLabelledModel(model, labels, outputName);
                }
            }
            throw new ModelLoadException("model " + info.name() + " has no output '" + outputName + "'; its outputs are "
                    + info.outputs());
        }
        List<FieldSpec> candidates = new ArrayList<>();
        for (FieldSpec f : info.outputs()) {
            if (f.type().isNumeric() && f.elementCount() == labels.size()) {
                candidates.add(f);
            }
        }
        if (candidates.size() != 1) {
            throw new ModelLoadException("model.class.labels has " + labels.size() + " labels; model " + info.name()
                    + " has " + (candidates.isEmpty() ? "no" : candidates.size()) + " numeric outputs of that size "
                    + info.outputs() + ". Name one with model.class.output.");
        }
        return new ClassLabelledModel(model, labels, candidates.get(0).name());
    }

    private static void requireWidth(ModelInfo info, FieldSpec f, List<String> labels) throws ModelLoadException {
        long n = f.elementCount();
        if (n >= 0 && n != labels.size()) {
            throw new ModelLoadException("output '" + f.name() + "' of model " + info.name() + " has " + n
                    + " values per record, but model.class.labels lists " + labels.size());
        }
    }

    @Override
    public List<Prediction> predict(List<Features> batch) throws InferenceException {
        List<Prediction> raw = delegate().predict(batch);
        List<Prediction> out = new ArrayList<>(raw.size());
        for (Prediction p : raw) {
            Tensor scores = p.output(output);
            if (p.label().isPresent() || scores == null || scores.size() != labels.size()) {
                out.add(p);
                continue;
            }
            Prediction.Builder b = Prediction.builder().outputs(p.outputs());
            int best = 0;
            for (int c = 0; c < labels.size(); c++) {
                double v = scores.getDouble(c);
                b.probability(labels.get(c), v);
                if (v > scores.getDouble(best)) {
                    best = c;
                }
            }
            out.add(b.label(labels.get(best)).build());
        }
        return out;
    }
}
