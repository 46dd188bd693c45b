package io.inferstream.onnx;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the class order of a ZipMap output by reading the ZipMap node's {@code classlabels_strings} or
 * {@code classlabels_int64s} attribute straight from the model's protobuf bytes.
 *
 * <p>Why: ONNX Runtime hands each row's class→probability map to Java as a hash map, which loses the model's class
 * order, and its API does not expose node attributes. Predictions should list classes in the model's order (as the
 * model's own probability tensor does), so the order is read here, once, at load time. Only the few fields on the
 * path ModelProto.graph → NodeProto → AttributeProto are decoded; everything else, weights included, is skipped by
 * its length.
 *
 * <p>Thread safety: stateless, safe to share.
 */
final class ZipMapClasses {
    // Field numbers from onnx.proto.
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int NODE_OUTPUT = 2;
    private static final int NODE_OP_TYPE = 4;
    private static final int NODE_ATTRIBUTE = 5;
    private static final int ATTRIBUTE_NAME = 1;
    private static final int ATTRIBUTE_INTS = 8;
    private static final int ATTRIBUTE_STRINGS = 9;

    private ZipMapClasses() {
    }

    /**
     * @param model the ModelProto bytes
     * @param output the ZipMap's output name
     * @return the class labels in the model's order, or an empty list if no ZipMap makes that output or the bytes
     *     cannot be read this way
     */
    static List<String> find(byte[] model, String output) {
        try {
            Reader m = new Reader(model, 0, model.length);
            while (m.more()) {
                int tag = m.tag();
                if (field(tag) == MODEL_GRAPH && wireType(tag) == 2) {
                    List<String> found = inGraph(m.message(), output);
                    if (!found.isEmpty()) {
                        return found;
                    }
                } else {
                    m.skip(tag);
                }
            }
        } catch (RuntimeException malformed) {
            // ONNX Runtime accepted the model, so this is an encoding the reader does not cover; fall back to sorting.
        }
        return List.of();
    }

    private static List<String> inGraph(Reader graph, String output) {
        while (graph.more()) {
            int tag = graph.tag();
            if (field(tag) == GRAPH_NODE && wireType(tag) == 2) {
                List<String> found = inNode(graph.message(), output);
                if (!found.isEmpty()) {
                    return found;
                }
            } else {
                graph.skip(tag);
            }
        }
        return List.of();
    }

    private static List<String> inNode(Reader node, String output) {
        boolean zipMap = false;
        boolean makesOutput = false;
        List<String> labels = List.of();
        while (node.more()) {
            int tag = node.tag();
            int field = field(tag);
            if (field == NODE_OP_TYPE) {
                zipMap = "ZipMap".equals(node.string());
            } else if (field == NODE_OUTPUT) {
                makesOutput |= output.equals(node.string());
            } else if (field == NODE_ATTRIBUTE) {
                List<String> a = classLabels(node.message());
                labels = a.isEmpty() ? labels : a;
            } else {
                node.skip(tag);
            }
        }
        return zipMap && makesOutput ? labels : List.of();
    }

    private static List<String> classLabels(Reader attribute) {
        String name = null;
        List<String> values = new ArrayList<>();
        while (attribute.more()) {
            int tag = attribute.tag();
            int field = field(tag);
            if (field == ATTRIBUTE_NAME) {
                name = attribute.string();
            } else if (field == ATTRIBUTE_STRINGS) {
                values.add(attribute.string());
            } else if (field == ATTRIBUTE_INTS && wireType(tag) == 0) {
                values.add(Long.toString(attribute.varint()));
            } else if (field == ATTRIBUTE_INTS && wireType(tag) == 2) {
                Reader packed = attribute.message();
                while (packed.more()) {
                    values.add(Long.toString(packed.varint()));
                }
            } else {
                attribute.skip(tag);
            }
        }
        boolean labels = "classlabels_strings".equals(name) || "classlabels_int64s".equals(name);
        return labels ? values : List.of();
    }

    private static int field(int tag) {
        return tag >>> 3;
    }

    private static int wireType(int tag) {
        return tag & 7;
    }

    /** Just enough of the protobuf wire format to walk messages; throws on anything malformed. */
    private static final class Reader {
        private final byte[] buf;
        private final int end;
        private int pos;

        Reader(byte[] buf, int from, int end) {
            this.buf = buf;
            this.pos = from;
            this.end = end;
        }

        boolean more() {
            return pos < end;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buf[pos++];
                v |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        Reader message() {
            int length = Math.toIntExact(varint());
            if (length < 0 || pos + length > end) {
                throw new IllegalArgumentException("length past the end");
            }
            Reader r = new Reader(buf, pos, pos + length);
            pos += length;
            return r;
        }

        String string() {
            Reader r = message();
            return new String(buf, r.pos, r.end - r.pos, StandardCharsets.UTF_8);
        }

        void skip(int tag) {
            switch (wireType(tag)) {
                case 0: varint(); break;
                case 1: pos += 8; break;
                case 2: message(); break;
                case 5: pos += 4; break;
                default: throw new IllegalArgumentException("unsupported wire type " + wireType(tag));
            }
        }
    }
}
