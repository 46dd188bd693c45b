package io.inferstream.lightgbm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent reference for the tests: reads a LightGBM text model's trees and scores a row by walking them in
 * plain Java, following LightGBM's own decision rules ({@code Tree::NumericalDecision} and
 * {@code Tree::CategoricalDecision}: missing type and default direction from {@code decision_type}, categories as a
 * bitset per split), then applies the objective's transform (sigmoid, softmax or none). It shares no code with the
 * adapter, which scores through LightGBM's C++ library.
 */
final class TextModelTreeWalk {
    private static final int CATEGORICAL = 1;
    private static final int DEFAULT_LEFT = 2;
    private static final int MISSING_ZERO = 1;
    private static final int MISSING_NAN = 2;
    private static final double ZERO_THRESHOLD = 1e-35;

    private final int classes;
    private final String objective;
    private final double sigmoid;
    private final List<Tree> trees = new ArrayList<>();

    private static final class Tree {
        int[] splitFeature;
        double[] threshold;
        int[] decisionType;
        int[] left;
        int[] right;
        double[] leafValue;
        int[] catBoundaries;
        long[] catThreshold;

        double score(double[] x) {
            if (leafValue.length == 1) {
                return leafValue[0];
            }
            int node = 0;
            while (node >= 0) {
                node = (decisionType[node] & CATEGORICAL) != 0 ? categorical(node, x[splitFeature[node]])
                        : numerical(node, x[splitFeature[node]]);
            }
            return leafValue[~node];
        }

        int numerical(int node, double v) {
            int missing = (decisionType[node] >> 2) & 3;
            if (Double.isNaN(v) && missing != MISSING_NAN) {
                v = 0;
            }
            if ((missing == MISSING_ZERO && Math.abs(v) <= ZERO_THRESHOLD) || (missing == MISSING_NAN && Double.isNaN(v))) {
                return (decisionType[node] & DEFAULT_LEFT) != 0 ? left[node] : right[node];
            }
            return v <= threshold[node] ? left[node] : right[node];
        }

        int categorical(int node, double v) {
            if (Double.isNaN(v) || (int) v < 0) {
                return right[node];
            }
            int category = (int) v;
            int set = (int) threshold[node];
            int from = catBoundaries[set];
            int words = catBoundaries[set + 1] - from;
            int word = category / 32;
            boolean in = word < words && ((catThreshold[from + word] >> (category % 32)) & 1) != 0;
            return in ? left[node] : right[node];
        }
    }

    TextModelTreeWalk(String text) {
        String[] lines = text.split("\n");
        Map<String, String> header = new HashMap<>();
        Map<String, String> tree = null;
        for (String line : lines) {
            if (line.startsWith("Tree=")) {
                if (tree != null) {
                    trees.add(build(tree));
                }
                tree = new HashMap<>();
            } else if (line.equals("end of trees")) {
                break;
            } else if (line.contains("=")) {
                int eq = line.indexOf('=');
                (tree == null ? header : tree).put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        if (tree != null) {
            trees.add(build(tree));
        }
        classes = Integer.parseInt(header.get("num_tree_per_iteration"));
        String[] obj = header.get("objective").split(" ");
        objective = obj[0];
        double s = 1;
        for (String o : obj) {
            if (o.startsWith("sigmoid:")) {
                s = Double.parseDouble(o.substring("sigmoid:".length()));
            }
        }
        sigmoid = s;
    }

    private static Tree build(Map<String, String> m) {
        Tree t = new Tree();
        t.leafValue = doubles(m.get("leaf_value"));
        if (t.leafValue.length > 1) {
            t.splitFeature = ints(m.get("split_feature"));
            t.threshold = doubles(m.get("threshold"));
            t.decisionType = ints(m.get("decision_type"));
            t.left = ints(m.get("left_child"));
            t.right = ints(m.get("right_child"));
            if (m.containsKey("cat_boundaries")) {
                t.catBoundaries = ints(m.get("cat_boundaries"));
                double[] c = doubles(m.get("cat_threshold"));
                t.catThreshold = new long[c.length];
                for (int i = 0; i < c.length; i++) {
                    t.catThreshold[i] = (long) c[i];
                }
            }
        }
        return t;
    }

    /** @return the model's prediction for one row: one value, or one probability per class. */
    double[] predict(double[] x) {
        double[] raw = new double[classes];
        for (int i = 0; i < trees.size(); i++) {
            raw[i % classes] += trees.get(i).score(x);
        }
        switch (objective) {
            case "binary":
                return new double[] {1 / (1 + Math.exp(-sigmoid * raw[0]))};
            case "multiclass": {
                double max = Double.NEGATIVE_INFINITY;
                for (double r : raw) {
                    max = Math.max(max, r);
                }
                double sum = 0;
                double[] p = new double[classes];
                for (int c = 0; c < classes; c++) {
                    p[c] = Math.exp(raw[c] - max);
                    sum += p[c];
                }
                for (int c = 0; c < classes; c++) {
                    p[c] /= sum;
                }
                return p;
            }
            case "regression":
                return raw;
            default:
                throw new IllegalArgumentException("the reference walk knows no objective " + objective);
        }
    }

    private static double[] doubles(String s) {
        String[] parts = s.trim().split(" ");
        double[] out = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Double.parseDouble(parts[i]);
        }
        return out;
    }

    private static int[] ints(String s) {
        String[] parts = s.trim().split(" ");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Integer.parseInt(parts[i]);
        }
        return out;
    }
}
