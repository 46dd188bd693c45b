package io.inferstream.examples.custom;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A fraud-style scorer in plain Java: override rules first (e.g. "amount above 10,000 is fraud"), else a multinomial
 * logistic regression, {@code softmax(W·x + b)}. Each prediction carries the label, the per-class probabilities, and
 * the outputs {@code label}, {@code probabilities} and {@code rule} (the rule that decided, or empty).
 *
 * <p>How it keeps the Model contract:
 * <ul>
 *   <li>Thread safety: all state is immutable after construction, so it declares itself thread-safe and the engine
 *       shares one instance between all workers.</li>
 *   <li>A record it cannot score (a missing feature, a non-number, NaN) is an {@link InvalidInputException} carrying
 *       that record's index in the batch and the field: the engine dead-letters that record and scores the rest.</li>
 *   <li>Called after {@link #close()}, it cannot score anything: a {@link ModelFailureException}, which stops the
 *       engine without committing the batch.</li>
 *   <li>{@link #close()} is idempotent and never throws (there is nothing native to release here).</li>
 * </ul>
 *
 * <p>Thread safety: thread-safe (immutable; {@code closed} is atomic).
 */
public final class RulesLogisticModel implements Model {
    /** An override: when the feature is above (or below) the threshold, the class is decided without the regression. */
    record Rule(String name, int feature, boolean above, double threshold, int classIndex) {
        boolean matches(double[] x) {
            return above ? x[feature] > threshold : x[feature] < threshold;
        }
    }

    private final ModelInfo info;
    private final List<String> features;
    private final List<String> classes;
    private final double[][] weights;
    private final double[] bias;
    private final List<Rule> rules;
    private final AtomicBoolean closed = new AtomicBoolean();

    RulesLogisticModel(String name, String version, List<String> features, List<String> classes, double[][] weights,
            double[] bias, List<Rule> rules) {
        this.features = List.copyOf(features);
        this.classes = List.copyOf(classes);
        this.weights = weights;
        this.bias = bias;
        this.rules = List.copyOf(rules);
        ModelInfo.Builder b = ModelInfo.builder(RulesLogisticLoader.FORMAT).name(name).version(version).threadSafe(true)
                .property("classes", String.join(",", classes))
                .property("rules", String.valueOf(rules.size()));
        features.forEach(f -> b.input(FieldSpec.scalar(f, DataType.DOUBLE)));
        b.output(FieldSpec.scalar("label", DataType.STRING));
        b.output(FieldSpec.tensor("probabilities", DataType.DOUBLE, classes.size()));
        b.output(FieldSpec.scalar("rule", DataType.STRING));
        this.info = b.build();
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public List<Prediction> predict(List<Features> batch) throws InvalidInputException, ModelFailureException {
        if (closed.get()) {
            throw new ModelFailureException("model " + info.name() + ":" + info.version() + " is closed");
        }
        List<Prediction> out = new ArrayList<>(batch.size());
        double[] x = new double[features.size()];
        for (int i = 0; i < batch.size(); i++) {
            read(batch.get(i), i, x);
            out.add(score(x));
        }
        return out;
    }

    private void read(Features row, int index, double[] x) throws InvalidInputException {
        for (int j = 0; j < x.length; j++) {
            String name = features.get(j);
            Tensor t = row.get(name);
            if (t == null) {
                throw new InvalidInputException(index, name, "missing feature '" + name + "'");
            }
            if (!t.type().isNumeric() || t.size() != 1) {
                throw new InvalidInputException(index, name, "feature '" + name + "' must be one number, not "
                        + t.type() + " of shape " + java.util.Arrays.toString(t.shape()));
            }
            double v = t.getDouble(0);
            if (!Double.isFinite(v)) {
                throw new InvalidInputException(index, name, "feature '" + name + "' is " + v);
            }
            x[j] = v;
        }
    }

    private Prediction score(double[] x) {
        double[] p = new double[classes.size()];
        String decidedBy = "";
        Rule rule = rules.stream().filter(r -> r.matches(x)).findFirst().orElse(null);
        if (rule != null) {
            p[rule.classIndex()] = 1.0;
            decidedBy = rule.name();
        } else {
            softmax(x, p);
        }
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        Prediction.Builder b = Prediction.builder()
                .output("label", Tensor.scalar(classes.get(best)))
                .output("probabilities", Tensor.ofDoubles(p.clone()))
                .output("rule", Tensor.scalar(decidedBy))
                .label(classes.get(best));
        for (int c = 0; c < p.length; c++) {
            b.probability(classes.get(c), p[c]);
        }
        return b.build();
    }

    /** {@code softmax(W·x + b)}, shifted by the largest logit so that exp never overflows. */
    private void softmax(double[] x, double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < p.length; c++) {
            double z = bias[c];
            for (int j = 0; j < x.length; j++) {
                z += weights[c][j] * x[j];
            }
            p[c] = z;
            max = Math.max(max, z);
        }
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            p[c] = Math.exp(p[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < p.length; c++) {
            p[c] /= sum;
        }
    }

    /** Idempotent; nothing native to release, so it only marks the model closed. */
    @Override
    public void close() {
        closed.set(true);
    }
}
