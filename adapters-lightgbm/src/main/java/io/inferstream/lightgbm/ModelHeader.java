package io.inferstream.lightgbm;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a LightGBM text model says about itself in its header (the {@code key=value} lines before {@code Tree=0}):
 * format version, objective, class count, feature names and, from {@code feature_infos}, which features are
 * categorical (their info lists the categories, {@code 0:1:4}, where a numeric feature has {@code [min:max]}).
 * Also counts the trees, checks the file is complete ({@code end of trees}) and that every tree is well formed
 * ({@link TreeCheck}), so that a truncated or damaged file is refused here with a clear message: LightGBM's own
 * parser aborts the whole JVM on some damage (it parses trees in parallel and an error there is not caught), and a
 * child index out of range would make its predictions read outside the tree.
 *
 * <p>Thread safety: immutable.
 */
final class ModelHeader {
    final String version;
    final String objective;
    final String objectiveLine;
    final int numClass;
    final List<String> featureNames;
    final boolean[] categorical;
    final int trees;

    private ModelHeader(String version, String objectiveLine, int numClass, List<String> featureNames,
            boolean[] categorical, int trees) {
        this.version = version;
        this.objectiveLine = objectiveLine;
        this.objective = objectiveLine.split(" ", 2)[0];
        this.numClass = numClass;
        this.featureNames = featureNames;
        this.categorical = categorical;
        this.trees = trees;
    }

    /** @return true if {@code head} (a file's first bytes) is the start of a LightGBM text model. */
    static boolean looksLikeModel(String head) {
        return head.startsWith("tree\n") || head.startsWith("tree\r\n");
    }

    /**
     * @throws IOException naming what is missing, for a file that is not a complete LightGBM text model
     */
    static ModelHeader parse(String text) throws IOException {
        if (!looksLikeModel(text)) {
            throw new IOException("not a LightGBM text model: it does not begin with the line 'tree'");
        }
        String version = null;
        String objective = null;
        Integer numClass = null;
        Integer maxFeatureIdx = null;
        List<String> names = null;
        String[] infos = null;
        int trees = 0;
        boolean ended = false;
        java.util.Map<String, String> tree = null;
        for (String line : text.split("\r?\n")) {
            if (line.startsWith("Tree=")) {
                if (tree != null) {
                    TreeCheck.check(trees - 1, tree, maxFeatureIdx);
                }
                tree = new java.util.HashMap<>();
                trees++;
            } else if (line.equals("end of trees")) {
                if (tree != null) {
                    TreeCheck.check(trees - 1, tree, maxFeatureIdx);
                }
                ended = true;
                break;
            } else {
                int eq = line.indexOf('=');
                if (eq < 0) {
                    continue;
                }
                String key = line.substring(0, eq);
                String value = line.substring(eq + 1).trim();
                if (tree != null) {
                    tree.put(key, value);
                    continue;
                }
                switch (key) {
                    case "version": version = value; break;
                    case "objective": objective = value; break;
                    case "num_class": numClass = Integer.valueOf(value); break;
                    case "max_feature_idx": maxFeatureIdx = Integer.valueOf(value); break;
                    case "feature_names": names = List.of(value.split(" ")); break;
                    case "feature_infos": infos = value.split(" "); break;
                    default: break;
                }
            }
        }
        if (objective == null || numClass == null || maxFeatureIdx == null || names == null) {
            throw new IOException("the header lacks objective, num_class, max_feature_idx or feature_names");
        }
        if (!ended) {
            throw new IOException("truncated: " + trees + " trees and no 'end of trees' line");
        }
        int width = maxFeatureIdx + 1;
        if (names.size() != width) {
            throw new IOException("feature_names lists " + names.size() + " names for " + width + " features");
        }
        boolean[] categorical = new boolean[width];
        if (infos != null && infos.length == width) {
            for (int j = 0; j < width; j++) {
                categorical[j] = !infos[j].startsWith("[") && !infos[j].equals("none");
            }
        }
        return new ModelHeader(version, objective, numClass, List.copyOf(names), categorical, trees);
    }

    /** @return the names of the categorical features, in order. */
    List<String> categoricalFeatures() {
        List<String> out = new ArrayList<>();
        for (int j = 0; j < categorical.length; j++) {
            if (categorical[j]) {
                out.add(featureNames.get(j));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "LightGBM " + version + " " + objectiveLine + " classes " + numClass + " features "
                + featureNames.size() + " categorical " + Arrays.toString(categorical) + " trees " + trees;
    }
}
