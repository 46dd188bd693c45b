package io.inferstream.lightgbm;

import java.io.IOException;
import java.util.Map;

/**
 * Checks one tree of a LightGBM text model before LightGBM's parser sees it: every array a tree needs is present,
 * holds numbers, and has the length {@code num_leaves} implies; child indices point inside the tree and split
 * features inside the model.
 *
 * <p>Thread safety: stateless.
 */
final class TreeCheck {
    private static final String[] PER_SPLIT = {"split_feature", "split_gain", "threshold", "decision_type",
        "left_child", "right_child"};

    private TreeCheck() {
    }

    /**
     * @param index the tree's index in the file
     * @param tree the tree's {@code key=value} lines
     * @param maxFeatureIdx the model's last feature index (from the header), or null if the header has none
     * @throws IOException naming the tree and what is wrong with it
     */
    static void check(int index, Map<String, String> tree, Integer maxFeatureIdx) throws IOException {
        String where = "tree " + index;
        int leaves = (int) number(where, "num_leaves", require(where, tree, "num_leaves"));
        if (leaves < 1) {
            throw new IOException(where + " has num_leaves=" + leaves);
        }
        numbers(where, tree, "leaf_value", leaves);
        if (leaves == 1) {
            return;
        }
        for (String key : PER_SPLIT) {
            numbers(where, tree, key, leaves - 1);
        }
        for (String side : new String[] {"left_child", "right_child"}) {
            for (double child : numbers(where, tree, side, leaves - 1)) {
                // a child is a split node (0..leaves-2) or a leaf written as ~leaf (-1..-leaves)
                if (child != Math.rint(child) || child > leaves - 2 || child < -leaves) {
                    throw new IOException(where + ": " + side + " " + child + " points outside its " + leaves + " leaves");
                }
            }
        }
        int limit = maxFeatureIdx == null ? Integer.MAX_VALUE : maxFeatureIdx;
        for (double f : numbers(where, tree, "split_feature", leaves - 1)) {
            if (f < 0 || f > limit || f != Math.rint(f)) {
                throw new IOException(where + ": split_feature " + f + " is not one of the model's features");
            }
        }
    }

    private static String require(String where, Map<String, String> tree, String key) throws IOException {
        String v = tree.get(key);
        if (v == null) {
            throw new IOException(where + " has no " + key);
        }
        return v;
    }

    private static double[] numbers(String where, Map<String, String> tree, String key, int length) throws IOException {
        String[] parts = require(where, tree, key).trim().split(" ");
        if (parts.length != length) {
            throw new IOException(where + ": " + key + " has " + parts.length + " values, expected " + length);
        }
        double[] out = new double[length];
        for (int i = 0; i < length; i++) {
            out[i] = number(where, key, parts[i]);
        }
        return out;
    }

    private static double number(String where, String key, String text) throws IOException {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IOException(where + ": " + key + " holds '" + text + "', not a number");
        }
    }
}
