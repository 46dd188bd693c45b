package io.inferstream.xgboost;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Rewrites a model in XGBoost's old binary format (what {@code save_model("model.bin")} wrote up to XGBoost 2.x,
 * beginning with {@code binf}) as the JSON document XGBoost itself would have saved for it, because XGBoost 3 reads
 * only JSON and UBJSON. The layout is XGBoost's own C structs, little-endian: {@code LearnerModelParamLegacy}
 * (136 bytes), the objective and booster names, the booster ({@code GBTreeModelParam} then per tree
 * {@code TreeParam}, its nodes and node statistics, then {@code tree_info}; or {@code gblinear}'s parameters and
 * weights), then the attributes, among them the objective's own JSON configuration.
 *
 * <p>Every field of the JSON form comes from the file; a file that does not end exactly where its structures say is
 * refused, so a truncated or foreign file is never half-read. Supported: {@code gbtree} and {@code gblinear} boosters
 * from XGBoost 1.0 on. Refused with a reason: {@code dart}, vector leaves, and files from XGBoost before 1.0
 * (which stored a transformed base score and no objective configuration).
 *
 * <p>Thread safety: stateless.
 */
final class LegacyBinaryModel {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LEARNER_PARAM_BYTES = 136;
    private static final int GBTREE_PARAM_BYTES = 160;
    private static final int TREE_PARAM_BYTES = 148;
    private static final int GBLINEAR_PARAM_BYTES = 136;
    /** RegTree::Node keeps "is a left child" in the parent's top bit and "default left" in the split index's. */
    private static final int LOW_31_BITS = 0x7fffffff;

    private LegacyBinaryModel() {
    }

    /**
     * @param bytes the whole file, beginning with {@code binf}
     * @return the model as XGBoost's JSON document
     * @throws IOException naming what is wrong with the file
     */
    static byte[] toJson(byte[] bytes) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        try {
            ObjectNode model = read(in);
            if (in.hasRemaining()) {
                throw new IOException(in.remaining() + " unexpected bytes after the model's attributes");
            }
            return JSON.writeValueAsBytes(model);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new IOException("truncated or damaged: the file ends inside its structures at byte " + in.position()
                    + " of " + bytes.length);
        }
    }

    private static ObjectNode read(ByteBuffer in) throws IOException {
        in.position(4); // "binf"
        int start = in.position();
        float baseScore = in.getFloat();
        long numFeature = Integer.toUnsignedLong(in.getInt());
        int numClass = in.getInt();
        int hasAttributes = in.getInt();
        in.getInt(); // contain_eval_metrics
        int majorVersion = in.getInt();
        int minorVersion = in.getInt();
        int numTarget = in.getInt();
        int boostFromAverage = in.getInt();
        in.position(start + LEARNER_PARAM_BYTES);
        if (majorVersion < 1) {
            throw new IOException("saved by XGBoost " + majorVersion + "." + minorVersion + " (before 1.0), whose binary"
                    + " files lack the objective's configuration; load and save it again as JSON with a newer XGBoost");
        }
        String objective = string(in);
        String booster = string(in);

        ObjectNode root = JSON.createObjectNode();
        root.putArray("version").add(majorVersion).add(minorVersion).add(0);
        ObjectNode learner = root.putObject("learner");
        ObjectNode params = learner.putObject("learner_model_param");
        params.put("base_score", Float.toString(baseScore));
        params.put("boost_from_average", Integer.toString(boostFromAverage));
        params.put("num_class", Integer.toString(numClass));
        params.put("num_feature", Long.toString(numFeature));
        params.put("num_target", Integer.toString(Math.max(1, numTarget)));
        ObjectNode gradientBooster = learner.putObject("gradient_booster");
        switch (booster) {
            case "gbtree":
                gradientBooster.put("name", "gbtree");
                gradientBooster.set("model", gbtree(in));
                break;
            case "gblinear":
                gradientBooster.put("name", "gblinear");
                gradientBooster.set("model", gblinear(in));
                break;
            default:
                throw new IOException("booster '" + booster + "' in the binary format is not supported (gbtree and "
                        + "gblinear are); save the model as JSON with the XGBoost that trained it");
        }
        ObjectNode attributes = learner.putObject("attributes");
        ObjectNode objectiveConfig = null;
        if (hasAttributes != 0) {
            long n = in.getLong();
            for (long i = 0; i < n; i++) {
                String key = string(in);
                String value = string(in);
                if (key.equals("objective")) {
                    objectiveConfig = (ObjectNode) JSON.readTree(value);
                } else if (!key.equals("metrics")) {
                    attributes.put(key, value);
                }
            }
        }
        if (objectiveConfig == null) {
            objectiveConfig = JSON.createObjectNode().put("name", objective);
        }
        learner.set("objective", objectiveConfig);
        learner.putArray("feature_names"); // the binary format keeps no feature names or types
        learner.putArray("feature_types");
        return root;
    }

    private static ObjectNode gbtree(ByteBuffer in) throws IOException {
        int start = in.position();
        int numTrees = in.getInt();
        int numParallelTree = in.getInt();
        in.position(start + 4 * 4 + 8 + 4);
        int sizeLeafVector = in.getInt();
        in.position(start + GBTREE_PARAM_BYTES);
        if (numTrees < 0 || sizeLeafVector != 0) {
            throw new IOException("a gbtree with " + numTrees + " trees and leaf vectors of " + sizeLeafVector);
        }
        ObjectNode model = JSON.createObjectNode();
        ObjectNode param = model.putObject("gbtree_model_param");
        param.put("num_parallel_tree", Integer.toString(Math.max(1, numParallelTree)));
        param.put("num_trees", Integer.toString(numTrees));
        param.put("size_leaf_vector", "0");
        ArrayNode trees = JSON.createArrayNode();
        for (int t = 0; t < numTrees; t++) {
            trees.add(tree(in, t));
        }
        ArrayNode treeInfo = model.putArray("tree_info");
        for (int t = 0; t < numTrees; t++) {
            treeInfo.add(in.getInt());
        }
        model.set("trees", trees);
        return model;
    }

    private static ObjectNode tree(ByteBuffer in, int id) throws IOException {
        int start = in.position();
        in.getInt(); // deprecated_num_roots
        int numNodes = in.getInt();
        int numDeleted = in.getInt();
        in.getInt(); // deprecated_max_depth
        int numFeature = in.getInt();
        int sizeLeafVector = in.getInt();
        in.position(start + TREE_PARAM_BYTES);
        if (numNodes < 1 || numNodes > in.remaining() / 36 || sizeLeafVector != 0) {
            throw new IOException("tree " + id + " claims " + numNodes + " nodes (leaf vectors " + sizeLeafVector + ")");
        }
        ObjectNode tree = JSON.createObjectNode();
        ArrayNode parents = JSON.createArrayNode();
        ArrayNode left = JSON.createArrayNode();
        ArrayNode right = JSON.createArrayNode();
        ArrayNode splitIndices = JSON.createArrayNode();
        ArrayNode defaultLeft = JSON.createArrayNode();
        ArrayNode conditions = JSON.createArrayNode();
        ArrayNode splitType = JSON.createArrayNode();
        for (int i = 0; i < numNodes; i++) {
            parents.add(in.getInt() & LOW_31_BITS);
            left.add(in.getInt());
            right.add(in.getInt());
            int sindex = in.getInt();
            splitIndices.add(sindex & LOW_31_BITS);
            defaultLeft.add(sindex >>> 31);
            conditions.add(in.getFloat());
            splitType.add(0); // the binary format has no categorical splits
        }
        ArrayNode lossChanges = JSON.createArrayNode();
        ArrayNode sumHessian = JSON.createArrayNode();
        ArrayNode baseWeights = JSON.createArrayNode();
        for (int i = 0; i < numNodes; i++) {
            lossChanges.add(in.getFloat());
            sumHessian.add(in.getFloat());
            baseWeights.add(in.getFloat());
            in.getInt(); // leaf_child_cnt
        }
        tree.set("base_weights", baseWeights);
        tree.putArray("categories");
        tree.putArray("categories_nodes");
        tree.putArray("categories_segments");
        tree.putArray("categories_sizes");
        tree.set("default_left", defaultLeft);
        tree.put("id", id);
        tree.set("left_children", left);
        tree.set("loss_changes", lossChanges);
        tree.set("parents", parents);
        tree.set("right_children", right);
        tree.set("split_conditions", conditions);
        tree.set("split_indices", splitIndices);
        tree.set("split_type", splitType);
        tree.set("sum_hessian", sumHessian);
        ObjectNode param = tree.putObject("tree_param");
        param.put("num_deleted", Integer.toString(numDeleted));
        param.put("num_feature", Integer.toString(numFeature));
        param.put("num_nodes", Integer.toString(numNodes));
        param.put("size_leaf_vector", "0");
        return tree;
    }

    private static ObjectNode gblinear(ByteBuffer in) throws IOException {
        in.position(in.position() + GBLINEAR_PARAM_BYTES);
        long n = in.getLong();
        if (n < 0 || n > in.remaining() / 4) {
            throw new IOException("gblinear claims " + n + " weights");
        }
        ObjectNode model = JSON.createObjectNode();
        model.put("boosted_rounds", 0); // not in the binary format; used only to slice iterations, which gblinear cannot
        ArrayNode weights = model.putArray("weights");
        for (long i = 0; i < n; i++) {
            weights.add(in.getFloat());
        }
        return model;
    }

    /** dmlc's string: a uint64 length, then the bytes. */
    private static String string(ByteBuffer in) throws IOException {
        long n = in.getLong();
        if (n < 0 || n > in.remaining()) {
            throw new IOException("a string of " + n + " bytes at byte " + (in.position() - 8) + " of " + in.limit());
        }
        byte[] b = new byte[(int) n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
