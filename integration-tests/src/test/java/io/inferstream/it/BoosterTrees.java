package io.inferstream.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Tree conversions for the conformance test. Writes the trees of a real regression booster (an XGBoost JSON model, a LightGBM text model) as a PMML
 * {@code MiningModel} that sums one {@code TreeModel} per tree, node for node, so that JPMML can score the very same
 * trees: each split becomes a {@code lessThan} (XGBoost) or {@code lessOrEqual} (LightGBM) predicate and its
 * complement, and a missing value follows the split's learnt default branch ({@code missingValueStrategy=
 * "defaultChild"}). XGBoost's {@code base_score} is the target's {@code rescaleConstant}. The target is named
 * {@code prediction}, as the boosters' adapters name theirs.
 *
 * <p>And, for the same comparison across the two boosters, a LightGBM model's trees as an XGBoost JSON model
 * ({@link #lightGbmAsXgboostJson}): LightGBM sends {@code x <= t} left in double precision, XGBoost {@code x < t'} in
 * float32; with {@code t'} the smallest float above {@code t}, the two agree for every float input.
 *
 * <p>Only what the conformance test needs: numeric splits and regression objectives without a link function
 * ({@code reg:squarederror}, LightGBM's {@code regression}); anything else is refused, never approximated.
 *
 * <p>Thread safety: stateless.
 */
final class BoosterTrees {
    static final String TARGET = "prediction";
    private static final int LIGHTGBM_CATEGORICAL = 1;
    private static final int LIGHTGBM_DEFAULT_LEFT = 2;
    private static final int LIGHTGBM_MISSING_NAN = 2;

    private BoosterTrees() {
    }

    /** A binary tree in arrays; a leaf is a node without children. */
    private static final class Tree {
        final List<Integer> feature = new ArrayList<>();
        final List<Double> threshold = new ArrayList<>();
        final List<Integer> left = new ArrayList<>();
        final List<Integer> right = new ArrayList<>();
        final List<Boolean> missingLeft = new ArrayList<>();
        final List<Double> leaf = new ArrayList<>();
    }

    /** @return the trees of an XGBoost {@code reg:squarederror} JSON model, up to its best iteration, as PMML. */
    static String fromXgboostJson(byte[] json) throws IOException {
        JsonNode learner = new ObjectMapper().readTree(json).get("learner");
        String objective = learner.get("objective").get("name").asText();
        if (!objective.equals("reg:squarederror")) {
            throw new IllegalArgumentException("only reg:squarederror, not " + objective);
        }
        List<String> names = new ArrayList<>();
        learner.get("feature_names").forEach(n -> names.add(n.asText()));
        double baseScore = Double.parseDouble(learner.get("learner_model_param").get("base_score").asText());
        JsonNode trees = learner.get("gradient_booster").get("model").get("trees");
        JsonNode best = learner.path("attributes").path("best_iteration");
        int count = best.isMissingNode() ? trees.size() : Integer.parseInt(best.asText()) + 1;
        List<Tree> out = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            JsonNode n = trees.get(t);
            Tree tree = new Tree();
            for (int i = 0; i < n.get("left_children").size(); i++) {
                if (n.get("split_type").get(i).asInt() != 0) {
                    throw new IllegalArgumentException("tree " + t + " has a categorical split");
                }
                tree.feature.add(n.get("split_indices").get(i).asInt());
                // XGBoost compares float32: the threshold is the float's exact value, not its shortest decimal.
                tree.threshold.add((double) n.get("split_conditions").get(i).floatValue());
                tree.left.add(n.get("left_children").get(i).asInt());
                tree.right.add(n.get("right_children").get(i).asInt());
                tree.missingLeft.add(n.get("default_left").get(i).asInt() == 1);
                tree.leaf.add((double) n.get("split_conditions").get(i).floatValue()); // a leaf's value is kept here
            }
            out.add(tree);
        }
        return pmml(names, out, "lessThan", "greaterOrEqual", baseScore);
    }

    /** @return the trees of a LightGBM {@code regression} text model, as PMML. */
    static String fromLightGbmText(String text) {
        return pmml(List.of(header(text).get("feature_names").split(" ")), lightGbmTrees(text), "lessOrEqual",
                "greaterThan", 0);
    }

    private static Map<String, String> header(String text) {
        Map<String, String> header = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("Tree=")) {
                break;
            }
            if (line.contains("=")) {
                header.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return header;
    }

    private static List<Tree> lightGbmTrees(String text) {
        if (!header(text).get("objective").equals("regression")) {
            throw new IllegalArgumentException("only regression, not " + header(text).get("objective"));
        }
        List<Map<String, String>> blocks = new ArrayList<>();
        Map<String, String> block = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("Tree=")) {
                block = new HashMap<>();
                blocks.add(block);
            } else if (line.equals("end of trees")) {
                break;
            } else if (block != null && line.contains("=")) {
                block.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        List<Tree> trees = new ArrayList<>();
        for (Map<String, String> b : blocks) {
            trees.add(lightGbmTree(b));
        }
        return trees;
    }

    /** LightGBM numbers internal nodes 0..n-2 and leaves ~0..~(n-1); here leaves follow the internal nodes. */
    private static Tree lightGbmTree(Map<String, String> b) {
        double[] leaves = doubles(b.get("leaf_value"));
        Tree tree = new Tree();
        int internal = leaves.length - 1;
        if (internal > 0) {
            double[] threshold = doubles(b.get("threshold"));
            double[] feature = doubles(b.get("split_feature"));
            double[] decision = doubles(b.get("decision_type"));
            double[] left = doubles(b.get("left_child"));
            double[] right = doubles(b.get("right_child"));
            for (int i = 0; i < internal; i++) {
                int type = (int) decision[i];
                if ((type & LIGHTGBM_CATEGORICAL) != 0 || ((type >> 2) & 3) != LIGHTGBM_MISSING_NAN) {
                    throw new IllegalArgumentException("node " + i + " is categorical or not NaN-as-missing: " + type);
                }
                tree.feature.add((int) feature[i]);
                tree.threshold.add(threshold[i]);
                tree.left.add(child((int) left[i], internal));
                tree.right.add(child((int) right[i], internal));
                tree.missingLeft.add((type & LIGHTGBM_DEFAULT_LEFT) != 0);
                tree.leaf.add(0.0);
            }
        }
        for (double v : leaves) {
            tree.feature.add(-1);
            tree.threshold.add(0.0);
            tree.left.add(-1);
            tree.right.add(-1);
            tree.missingLeft.add(false);
            tree.leaf.add(v);
        }
        return tree;
    }

    private static int child(int c, int internal) {
        return c >= 0 ? c : internal + ~c;
    }

    /**
     * @param text a LightGBM {@code regression} text model
     * @param template an XGBoost {@code reg:squarederror} JSON model on the same features, whose learner parameters
     *     are kept (base score set to 0: LightGBM's first tree holds the starting value)
     * @return the LightGBM model's trees in the template's XGBoost JSON
     */
    static byte[] lightGbmAsXgboostJson(String text, byte[] template) throws IOException {
        List<Tree> trees = lightGbmTrees(text);
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(template);
        ObjectNode learner = (ObjectNode) root.get("learner");
        learner.putObject("attributes"); // XGBoost needs the map; the template's best iteration is not this model's
        ((ObjectNode) learner.get("learner_model_param")).put("base_score", "0E0");
        ObjectNode model = (ObjectNode) learner.get("gradient_booster").get("model");
        JsonNode treeParam = model.get("trees").get(0).get("tree_param");
        ArrayNode out = json.createArrayNode();
        ArrayNode info = json.createArrayNode();
        for (int t = 0; t < trees.size(); t++) {
            Tree tree = siblingsAdjacent(trees.get(t));
            int n = tree.left.size();
            ObjectNode node = out.addObject();
            ArrayNode left = node.putArray("left_children");
            ArrayNode right = node.putArray("right_children");
            ArrayNode parents = node.putArray("parents");
            ArrayNode feature = node.putArray("split_indices");
            ArrayNode condition = node.putArray("split_conditions");
            ArrayNode defaultLeft = node.putArray("default_left");
            ArrayNode splitType = node.putArray("split_type");
            ArrayNode weights = node.putArray("base_weights");
            ArrayNode gains = node.putArray("loss_changes");
            ArrayNode hessians = node.putArray("sum_hessian");
            int[] parent = new int[n];
            parent[0] = Integer.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                if (tree.left.get(i) >= 0) {
                    parent[tree.left.get(i)] = i;
                    parent[tree.right.get(i)] = i;
                }
            }
            for (int i = 0; i < n; i++) {
                boolean leaf = tree.left.get(i) < 0;
                left.add(tree.left.get(i));
                right.add(tree.right.get(i));
                parents.add(parent[i]);
                feature.add(leaf ? 0 : tree.feature.get(i));
                condition.add(leaf ? (float) (double) tree.leaf.get(i) : floatAbove(tree.threshold.get(i)));
                defaultLeft.add(tree.missingLeft.get(i) ? 1 : 0);
                splitType.add(0);
                weights.add(leaf ? (float) (double) tree.leaf.get(i) : 0f);
                gains.add(0f);
                hessians.add(1f);
            }
            for (String empty : List.of("categories", "categories_nodes", "categories_segments", "categories_sizes")) {
                node.putArray(empty);
            }
            node.put("id", t);
            node.set("tree_param", treeParam.deepCopy());
            ((ObjectNode) node.get("tree_param")).put("num_nodes", Integer.toString(n));
            info.add(0);
        }
        model.set("trees", out);
        model.set("tree_info", info);
        ((ObjectNode) model.get("gbtree_model_param")).put("num_trees", Integer.toString(trees.size()));
        return json.writeValueAsBytes(root);
    }

    /**
     * @return the tree renumbered breadth first, each right child right after its left one: XGBoost's prediction goes
     *     to {@code left + 1} for the right branch rather than reading the right child's index
     */
    private static Tree siblingsAdjacent(Tree tree) {
        int n = tree.left.size();
        int[] order = new int[n]; // new index -> old index
        int[] renamed = new int[n]; // old index -> new index
        int next = 1;
        for (int i = 0; i < n; i++) {
            int old = order[i];
            renamed[old] = i;
            if (tree.left.get(old) >= 0) {
                order[next++] = tree.left.get(old);
                order[next++] = tree.right.get(old);
            }
        }
        Tree out = new Tree();
        for (int i = 0; i < n; i++) {
            int old = order[i];
            boolean leaf = tree.left.get(old) < 0;
            out.feature.add(tree.feature.get(old));
            out.threshold.add(tree.threshold.get(old));
            out.left.add(leaf ? -1 : renamed[tree.left.get(old)]);
            out.right.add(leaf ? -1 : renamed[tree.right.get(old)]);
            out.missingLeft.add(tree.missingLeft.get(old));
            out.leaf.add(tree.leaf.get(old));
        }
        return out;
    }

    /** @return the smallest float above {@code t}: for a float x, {@code x <= t} exactly when {@code x < it}. */
    private static float floatAbove(double t) {
        float f = (float) t;
        return f > t ? f : Math.nextUp(f);
    }

    private static String pmml(List<String> names, List<Tree> trees, String goLeft, String goRight, double base) {
        StringBuilder fields = new StringBuilder();
        for (String n : names) {
            fields.append("      <MiningField name=\"").append(n).append("\"/>\n");
        }
        fields.append("      <MiningField name=\"" + TARGET + "\" usageType=\"target\"/>\n");
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<PMML xmlns=\"http://www.dmg.org/PMML-4_4\" version=\"4.4\">\n  <Header/>\n  <DataDictionary>\n");
        for (String n : names) {
            sb.append("    <DataField name=\"").append(n).append("\" optype=\"continuous\" dataType=\"double\"/>\n");
        }
        sb.append("    <DataField name=\"" + TARGET + "\" optype=\"continuous\" dataType=\"double\"/>\n"
                + "  </DataDictionary>\n  <MiningModel functionName=\"regression\">\n    <MiningSchema>\n")
                .append(fields).append("    </MiningSchema>\n    <Targets><Target field=\"" + TARGET
                + "\" rescaleConstant=\"").append(base).append("\"/></Targets>\n"
                + "    <Segmentation multipleModelMethod=\"sum\">\n");
        for (int t = 0; t < trees.size(); t++) {
            sb.append("    <Segment id=\"").append(t + 1).append("\"><True/>\n"
                    + "    <TreeModel functionName=\"regression\" missingValueStrategy=\"defaultChild\""
                    + " noTrueChildStrategy=\"returnNullPrediction\" splitCharacteristic=\"binarySplit\">\n"
                    + "    <MiningSchema>\n").append(fields).append("    </MiningSchema>\n");
            node(sb, trees.get(t), names, 0, "<True/>", goLeft, goRight);
            sb.append("    </TreeModel></Segment>\n");
        }
        return sb.append("    </Segmentation>\n  </MiningModel>\n</PMML>\n").toString();
    }

    private static void node(StringBuilder sb, Tree tree, List<String> names, int i, String predicate, String goLeft,
            String goRight) {
        if (tree.left.get(i) < 0) {
            sb.append("<Node id=\"n").append(i).append("\" score=\"").append(tree.leaf.get(i)).append("\">")
                    .append(predicate).append("</Node>\n");
            return;
        }
        int left = tree.left.get(i);
        int right = tree.right.get(i);
        String field = names.get(tree.feature.get(i));
        String value = Double.toString(tree.threshold.get(i));
        sb.append("<Node id=\"n").append(i).append("\" defaultChild=\"n").append(tree.missingLeft.get(i) ? left : right)
                .append("\">").append(predicate).append('\n');
        node(sb, tree, names, left, simple(field, goLeft, value), goLeft, goRight);
        node(sb, tree, names, right, simple(field, goRight, value), goLeft, goRight);
        sb.append("</Node>\n");
    }

    private static String simple(String field, String operator, String value) {
        return "<SimplePredicate field=\"" + field + "\" operator=\"" + operator + "\" value=\"" + value + "\"/>";
    }

    private static double[] doubles(String s) {
        return java.util.Arrays.stream(s.trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
    }
}
