package io.inferstream.sandbox.models;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes real ONNX models ({@code ModelProto} bytes) for tests, the demo and the benchmark.
 *
 * <p>The protobuf wire format is encoded here directly with {@link CodedOutputStream}, field numbers taken from
 * {@code onnx.proto}, so the sandbox needs neither generated ONNX classes nor ONNX Runtime, and the bytes are the
 * same a Python exporter would write for the same graph. Use the ready-made {@link #denseNetwork(DenseNetwork)},
 * {@link #referenceClassifier()} and {@link #labelledReferenceClassifier()}, or build any small graph with
 * {@link #builder()}:
 *
 * <pre>{@code
 * byte[] onnx = OnnxModelWriter.builder()
 *     .input("x", ValueType.tensor(ElementType.DOUBLE, BATCH, 2))
 *     .output("y", ValueType.tensor(ElementType.DOUBLE, BATCH, 2))
 *     .initializer("two", new double[] {2}, 1)
 *     .node("Mul", List.of("x", "two"), List.of("y"))
 *     .build();
 * }</pre>
 *
 * <p>Thread safety: the static factories are stateless and safe to call from any thread; a {@link Builder} is
 * not thread-safe.
 */
public final class OnnxModelWriter {
    /** The producer name written into every model. */
    public static final String PRODUCER = "inferstream-sandbox";
    /** The symbolic batch dimension used by the ready-made models. */
    public static final String BATCH = "N";
    /** The domain of the classic machine-learning operators (LinearClassifier, ZipMap, LabelEncoder, ...). */
    public static final String ML_DOMAIN = "ai.onnx.ml";
    /** ONNX IR version written: 8 (ONNX 1.10+), read by every ONNX Runtime of the last years. */
    public static final long IR_VERSION = 8;
    /** Default-domain opset of the ready-made models. */
    public static final long DEFAULT_OPSET = 13;
    /** ai.onnx.ml opset of models that use the ML domain. */
    public static final long ML_OPSET = 3;

    private OnnxModelWriter() {
    }

    /** @return a builder for a new model graph. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The feed-forward network {@code softmax(relu(x·W1 + b1)·W2 + b2)} as Gemm, Relu, Gemm, Softmax.
     *
     * @return ONNX bytes with input {@code input} float[N, inputs] and output {@code probabilities}
     *     float[N, outputs]
     */
    public static byte[] denseNetwork(DenseNetwork net) {
        return denseNetwork(net, "input", "probabilities");
    }

    /**
     * {@link #denseNetwork(DenseNetwork)} with other names for its input and output (a client that insists on its
     * own names, such as Flink's Triton provider, which sends its column names upper-cased).
     *
     * @return ONNX bytes with input {@code inputName} float[N, inputs] and output {@code outputName} float[N, outputs]
     */
    public static byte[] denseNetwork(DenseNetwork net, String inputName, String outputName) {
        return builder()
                .graphName("dense_network")
                .input(inputName, ValueType.tensor(ElementType.FLOAT, BATCH, net.inputs()))
                .output(outputName, ValueType.tensor(ElementType.FLOAT, BATCH, net.outputs()))
                .initializer("W1", flatten(net.w1()), net.inputs(), net.hidden())
                .initializer("B1", net.b1(), net.hidden())
                .initializer("W2", flatten(net.w2()), net.hidden(), net.outputs())
                .initializer("B2", net.b2(), net.outputs())
                .node("Gemm", List.of(inputName, "W1", "B1"), List.of("hidden_linear"))
                .node("Relu", List.of("hidden_linear"), List.of("hidden"))
                .node("Gemm", List.of("hidden", "W2", "B2"), List.of("logits"))
                .node("Softmax", List.of("logits"), List.of(outputName), Attribute.of("axis", 1))
                .build();
    }

    /**
     * The {@link ReferenceClassifier} as a plain tensor model: Gemm (with the class-major weights transposed) and
     * Softmax. It has no labels; the engine adds them with {@code model.class.labels=low,mid,high}.
     *
     * @return ONNX bytes with input {@code features} float[N, 4] and output {@code probabilities} float[N, 3]
     */
    public static byte[] referenceClassifier() {
        int classes = ReferenceClassifier.LABELS.size();
        int features = ReferenceClassifier.FEATURES.size();
        return builder()
                .graphName("reference_classifier")
                .input("features", ValueType.tensor(ElementType.FLOAT, BATCH, features))
                .output("probabilities", ValueType.tensor(ElementType.FLOAT, BATCH, classes))
                .initializer("W", toFloats(flatten(ReferenceClassifier.weights())), classes, features)
                .initializer("B", toFloats(ReferenceClassifier.bias()), classes)
                .node("Gemm", List.of("features", "W", "B"), List.of("logits"), Attribute.of("transB", 1))
                .node("Softmax", List.of("logits"), List.of("probabilities"), Attribute.of("axis", 1))
                .build();
    }

    /**
     * The {@link ReferenceClassifier} shaped like a converted scikit-learn classifier: an ai.onnx.ml
     * LinearClassifier (softmax post-transform, string class labels) followed by ZipMap, so the model itself
     * names its classes.
     *
     * @return ONNX bytes with input {@code features} float[N, 4] and outputs {@code label} string[N] and
     *     {@code probabilities} sequence&lt;map&lt;string, float&gt;&gt;
     */
    public static byte[] labelledReferenceClassifier() {
        String[] labels = ReferenceClassifier.LABELS.toArray(new String[0]);
        return builder()
                .graphName("labelled_reference_classifier")
                .opset(ML_DOMAIN, ML_OPSET)
                .input("features", ValueType.tensor(ElementType.FLOAT, BATCH, ReferenceClassifier.FEATURES.size()))
                .output("label", ValueType.tensor(ElementType.STRING, BATCH))
                .output("probabilities", ValueType.sequenceOf(
                        ValueType.mapOf(ElementType.STRING, ValueType.tensor(ElementType.FLOAT))))
                .node(ML_DOMAIN, "LinearClassifier", List.of("features"), List.of("label", "scores"),
                        Attribute.floats("coefficients", toFloats(flatten(ReferenceClassifier.weights()))),
                        Attribute.floats("intercepts", toFloats(ReferenceClassifier.bias())),
                        Attribute.strings("classlabels_strings", labels),
                        Attribute.of("post_transform", "SOFTMAX"))
                .node(ML_DOMAIN, "ZipMap", List.of("scores"), List.of("probabilities"),
                        Attribute.strings("classlabels_strings", labels))
                .build();
    }

    private static float[] flatten(float[][] m) {
        int cols = m.length == 0 ? 0 : m[0].length;
        float[] out = new float[m.length * cols];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, out, r * cols, cols);
        }
        return out;
    }

    private static double[] flatten(double[][] m) {
        int cols = m.length == 0 ? 0 : m[0].length;
        double[] out = new double[m.length * cols];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, out, r * cols, cols);
        }
        return out;
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** ONNX tensor element types (the {@code TensorProto.DataType} codes) the writer supports. */
    public enum ElementType {
        FLOAT(1), UINT8(2), INT32(6), INT64(7), STRING(8), BOOL(9), DOUBLE(11);

        private final int code;

        ElementType(int code) {
            this.code = code;
        }

        /** @return the {@code TensorProto.DataType} number. */
        public int code() {
            return code;
        }
    }

    /** The type of a graph input or output: a tensor, a sequence or a map ({@code TypeProto}). Immutable. */
    public static final class ValueType {
        private final byte[] typeProto;

        private ValueType(byte[] typeProto) {
            this.typeProto = typeProto;
        }

        /**
         * A tensor type.
         *
         * @param dims each an Integer/Long (a fixed size) or a String (a symbolic dimension such as {@link #BATCH});
         *     none for a scalar
         */
        public static ValueType tensor(ElementType elementType, Object... dims) {
            Message shape = new Message();
            for (Object d : dims) {
                Message dim = new Message();
                if (d instanceof String) {
                    dim.string(2, (String) d); // dim_param
                } else if (d instanceof Number) {
                    dim.int64(1, ((Number) d).longValue()); // dim_value
                } else {
                    throw new IllegalArgumentException("a dimension is a number or a symbolic name, not " + d);
                }
                shape.message(1, dim); // TensorShapeProto.dim
            }
            Message tensor = new Message().int64(1, elementType.code()).message(2, shape); // elem_type, shape
            return new ValueType(new Message().message(1, tensor).toByteArray()); // TypeProto.tensor_type
        }

        /** A sequence whose elements have the given type. */
        public static ValueType sequenceOf(ValueType element) {
            Message seq = new Message().bytes(1, element.typeProto); // Sequence.elem_type
            return new ValueType(new Message().message(4, seq).toByteArray()); // TypeProto.sequence_type
        }

        /** A map from a string or integer key to values of the given type. */
        public static ValueType mapOf(ElementType key, ValueType value) {
            Message map = new Message().int64(1, key.code()).bytes(2, value.typeProto); // key_type, value_type
            return new ValueType(new Message().message(5, map).toByteArray()); // TypeProto.map_type
        }
    }

    /** A node attribute ({@code AttributeProto}). Immutable. */
    public static final class Attribute {
        // AttributeProto.AttributeType numbers.
        private static final int FLOAT = 1;
        private static final int INT = 2;
        private static final int STRING = 3;
        private static final int FLOATS = 6;
        private static final int INTS = 7;
        private static final int STRINGS = 8;

        private final byte[] proto;

        private Attribute(Message m) {
            this.proto = m.toByteArray();
        }

        private static Message named(String name, int type) {
            return new Message().string(1, name).int64(20, type); // name, type
        }

        public static Attribute of(String name, long value) {
            return new Attribute(named(name, INT).int64(3, value));
        }

        public static Attribute of(String name, float value) {
            return new Attribute(named(name, FLOAT).float32(2, value));
        }

        public static Attribute of(String name, String value) {
            return new Attribute(named(name, STRING).bytes(4, value.getBytes(StandardCharsets.UTF_8)));
        }

        public static Attribute floats(String name, float... values) {
            Message m = named(name, FLOATS);
            for (float v : values) {
                m.float32(7, v);
            }
            return new Attribute(m);
        }

        public static Attribute ints(String name, long... values) {
            Message m = named(name, INTS);
            for (long v : values) {
                m.int64(8, v);
            }
            return new Attribute(m);
        }

        public static Attribute strings(String name, String... values) {
            Message m = named(name, STRINGS);
            for (String v : values) {
                m.bytes(9, v.getBytes(StandardCharsets.UTF_8));
            }
            return new Attribute(m);
        }
    }

    /**
     * Collects a graph and writes it as a {@code ModelProto}. The default domain is imported at
     * {@link #DEFAULT_OPSET} unless {@link #opset(String, long)} says otherwise. Not thread-safe.
     */
    public static final class Builder {
        private final Map<String, Long> opsets = new LinkedHashMap<>();
        private final List<byte[]> inputs = new ArrayList<>();
        private final List<byte[]> outputs = new ArrayList<>();
        private final List<byte[]> initializers = new ArrayList<>();
        private final List<byte[]> nodes = new ArrayList<>();
        private String graphName = "graph";
        private String docString;

        private Builder() {
            opsets.put("", DEFAULT_OPSET);
        }

        /** Imports an operator set; {@code ""} is the default ONNX domain. */
        public Builder opset(String domain, long version) {
            opsets.put(Objects.requireNonNull(domain, "domain"), version);
            return this;
        }

        public Builder graphName(String name) {
            this.graphName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Sets the model's description ({@code ModelProto.doc_string}). */
        public Builder docString(String doc) {
            this.docString = doc;
            return this;
        }

        public Builder input(String name, ValueType type) {
            inputs.add(valueInfo(name, type));
            return this;
        }

        public Builder output(String name, ValueType type) {
            outputs.add(valueInfo(name, type));
            return this;
        }

        /** A float constant, little-endian in {@code raw_data}, as exporters write large weights. */
        public Builder initializer(String name, float[] data, long... dims) {
            ByteBuffer raw = littleEndian(data.length * Float.BYTES);
            raw.asFloatBuffer().put(data);
            return rawInitializer(name, ElementType.FLOAT, raw.array(), data.length, dims);
        }

        public Builder initializer(String name, double[] data, long... dims) {
            ByteBuffer raw = littleEndian(data.length * Double.BYTES);
            raw.asDoubleBuffer().put(data);
            return rawInitializer(name, ElementType.DOUBLE, raw.array(), data.length, dims);
        }

        public Builder initializer(String name, long[] data, long... dims) {
            ByteBuffer raw = littleEndian(data.length * Long.BYTES);
            raw.asLongBuffer().put(data);
            return rawInitializer(name, ElementType.INT64, raw.array(), data.length, dims);
        }

        public Builder initializer(String name, int[] data, long... dims) {
            ByteBuffer raw = littleEndian(data.length * Integer.BYTES);
            raw.asIntBuffer().put(data);
            return rawInitializer(name, ElementType.INT32, raw.array(), data.length, dims);
        }

        /** A string constant; strings cannot go in {@code raw_data}, so they use {@code string_data}. */
        public Builder initializer(String name, String[] data, long... dims) {
            checkCount(name, data.length, dims);
            Message t = tensorHeader(name, ElementType.STRING, dims);
            for (String s : data) {
                t.bytes(6, s.getBytes(StandardCharsets.UTF_8)); // string_data
            }
            initializers.add(t.toByteArray());
            return this;
        }

        /** A node of the default ONNX domain. */
        public Builder node(String opType, List<String> nodeInputs, List<String> nodeOutputs, Attribute... attributes) {
            return node("", opType, nodeInputs, nodeOutputs, attributes);
        }

        /** A node of the given operator domain, e.g. {@link #ML_DOMAIN}; import its opset too. */
        public Builder node(String domain, String opType, List<String> nodeInputs, List<String> nodeOutputs,
                Attribute... attributes) {
            Message n = new Message();
            nodeInputs.forEach(i -> n.string(1, i));
            nodeOutputs.forEach(o -> n.string(2, o));
            n.string(3, opType.toLowerCase(java.util.Locale.ROOT) + "_" + nodes.size()); // name
            n.string(4, opType);
            for (Attribute a : attributes) {
                n.bytes(5, a.proto);
            }
            if (!domain.isEmpty()) {
                n.string(7, domain);
            }
            nodes.add(n.toByteArray());
            return this;
        }

        /** @return the serialized {@code ModelProto}. */
        public byte[] build() {
            Message graph = new Message();
            nodes.forEach(n -> graph.bytes(1, n));
            graph.string(2, graphName);
            initializers.forEach(t -> graph.bytes(5, t));
            inputs.forEach(v -> graph.bytes(11, v));
            outputs.forEach(v -> graph.bytes(12, v));

            Message model = new Message().int64(1, IR_VERSION).string(2, PRODUCER).string(3, "0.1");
            if (docString != null) {
                model.string(6, docString);
            }
            model.message(7, graph);
            opsets.forEach((domain, version) -> model.message(8, new Message().string(1, domain).int64(2, version)));
            return model.toByteArray();
        }

        private static byte[] valueInfo(String name, ValueType type) {
            return new Message().string(1, name).bytes(2, type.typeProto).toByteArray(); // name, type
        }

        private Builder rawInitializer(String name, ElementType type, byte[] raw, int count, long[] dims) {
            checkCount(name, count, dims);
            initializers.add(tensorHeader(name, type, dims).bytes(9, raw).toByteArray()); // raw_data
            return this;
        }

        private static Message tensorHeader(String name, ElementType type, long[] dims) {
            Message t = new Message();
            for (long d : dims) {
                t.int64(1, d); // dims
            }
            return t.int64(2, type.code()).string(8, name); // data_type, name
        }

        private static void checkCount(String name, int count, long[] dims) {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            if (n != count) {
                throw new IllegalArgumentException("initializer " + name + ": dims " + java.util.Arrays.toString(dims)
                        + " hold " + n + " values, not " + count);
            }
        }

        private static ByteBuffer littleEndian(int bytes) {
            return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /**
     * One protobuf message being written. Embedded messages are written whole, length-prefixed, which is all
     * the wire format asks; repeated scalars are written unpacked, which every protobuf parser accepts.
     */
    private static final class Message {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

        Message string(int field, String value) {
            return write(() -> out.writeString(field, value));
        }

        Message int64(int field, long value) {
            return write(() -> out.writeInt64(field, value));
        }

        Message float32(int field, float value) {
            return write(() -> out.writeFloat(field, value));
        }

        Message bytes(int field, byte[] value) {
            return write(() -> out.writeByteArray(field, value));
        }

        Message message(int field, Message value) {
            return bytes(field, value.toByteArray());
        }

        byte[] toByteArray() {
            write(out::flush);
            return bytes.toByteArray();
        }

        /** Writing to a byte array cannot really fail; IOException is only in CodedOutputStream's signature. */
        private Message write(IoAction action) {
            try {
                action.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }
}
