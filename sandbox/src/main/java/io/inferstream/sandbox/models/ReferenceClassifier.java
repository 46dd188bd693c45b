package io.inferstream.sandbox.models;

import java.util.List;
import java.util.Random;

/**
 * The one logical model of the cross-framework contract: a 4-feature, 3-class linear softmax classifier
 * with fixed weights, {@code p = softmax(W·x + b)}.
 *
 * <p>Every adapter's test builds this same model in its own format (an ONNX graph, a PMML RegressionModel,
 * a TensorFlow SavedModel, a DL4J network, an H2O GLM with its coefficients pinned) and the contract test
 * checks that all of them, run through the same engine, give the probabilities computed here in plain Java.
 *
 * <p>Inputs are the scalar fields {@link #FEATURES}; tensor models take them concatenated, in that order,
 * as one float vector. Classes are {@link #LABELS}, in that order.
 *
 * <p>Thread safety: stateless, safe to share.
 */
public final class ReferenceClassifier {
    /** Input field names, in the order of the weight columns. */
    public static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3");
    /** Class labels, in the order of the weight rows. */
    public static final List<String> LABELS = List.of("low", "mid", "high");

    private static final double[][] WEIGHTS = {
        {0.8, -1.2, 0.5, 0.3},
        {-0.4, 0.9, -0.7, 1.1},
        {0.6, 0.2, 1.3, -0.9},
    };
    private static final double[] BIAS = {0.1, -0.2, 0.05};

    private ReferenceClassifier() {
    }

    /** @return a copy of the weight matrix, one row per class, one column per feature. */
    public static double[][] weights() {
        double[][] copy = new double[WEIGHTS.length][];
        for (int i = 0; i < WEIGHTS.length; i++) {
            copy[i] = WEIGHTS[i].clone();
        }
        return copy;
    }

    /** @return a copy of the bias, one per class. */
    public static double[] bias() {
        return BIAS.clone();
    }

    /** @return the class logits {@code W·x + b}. */
    public static double[] logits(double[] x) {
        if (x.length != FEATURES.size()) {
            throw new IllegalArgumentException("expected " + FEATURES.size() + " features, got " + x.length);
        }
        double[] z = new double[WEIGHTS.length];
        for (int c = 0; c < WEIGHTS.length; c++) {
            double s = BIAS[c];
            for (int j = 0; j < x.length; j++) {
                s += WEIGHTS[c][j] * x[j];
            }
            z[c] = s;
        }
        return z;
    }

    /** @return the class probabilities {@code softmax(W·x + b)}, computed in double precision. */
    public static double[] probabilities(double[] x) {
        return softmax(logits(x));
    }

    /** @return {@code softmax(z)}, shifted by the maximum for numerical safety; for tests' own arithmetic. */
    public static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[z.length];
        for (int c = 0; c < z.length; c++) {
            p[c] = Math.exp(z[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < z.length; c++) {
            p[c] /= sum;
        }
        return p;
    }

    /** @return the label of the most probable class. */
    public static String label(double[] x) {
        return mostProbableLabel(probabilities(x));
    }

    /**
     * @return the label of the largest of {@code p}, one probability per class of {@link #LABELS}; the first on a
     *     tie
     */
    public static String mostProbableLabel(double[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return LABELS.get(best);
    }

    /**
     * @return {@code n} reproducible input rows, features uniform in [-3, 3) and rounded to 1/1024 so that
     *     they are exact in float32 and in decimal JSON, and every format sees the very same inputs
     */
    public static double[][] sampleInputs(int n, long seed) {
        Random random = new Random(seed);
        double[][] rows = new double[n][FEATURES.size()];
        for (double[] row : rows) {
            for (int j = 0; j < row.length; j++) {
                row[j] = Math.round((random.nextDouble() * 6 - 3) * 1024) / 1024.0;
            }
        }
        return rows;
    }

    /** @return a row as the JSON object the contract test produces to Kafka. */
    public static String toJson(double[] x) {
        StringBuilder sb = new StringBuilder("{");
        for (int j = 0; j < x.length; j++) {
            sb.append(j == 0 ? "" : ",").append('"').append(FEATURES.get(j)).append("\":").append(x[j]);
        }
        return sb.append('}').toString();
    }
}
