package io.inferstream.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TF Serving's REST API bodies: the predict request in row form ({@code "instances"}) and columnar form
 * ({@code "inputs"}), the predict response ({@code "predictions"} / {@code "outputs"}), model status and model
 * metadata, and {@code {"error": ...}}.
 *
 * <p>As TF Serving does: a row is an object of named inputs, or the bare value when the model has one input; in
 * columnar form each input's value holds all records, and with one input it may stand alone; binary values are
 * {@code {"b64": "..."}}; the response names outputs per row (or per column) unless there is only one. JSON
 * numbers take the model's declared type (a fraction never into an integer), which is why reading a request needs
 * the {@link ModelInfo}. The classifier view travels as two more outputs, {@value TensorBatches#LABEL_OUTPUT} (the
 * label) and {@value TensorBatches#PROBABILITIES_OUTPUT} (an object of class to probability), per row.
 *
 * <p>Metadata: our types map to {@code DT_FLOAT}, {@code DT_DOUBLE}, {@code DT_INT32}, {@code DT_INT64},
 * {@code DT_BOOL} and {@code DT_STRING} (text and bytes alike); shapes put the batch dimension {@code -1} first, and
 * {@link #readMetadata} drops it. Read back, {@code DT_STRING} is text unless the name ends in {@code _bytes} (TF
 * Serving's own rule for binary outputs).
 *
 * <p>Thread safety: stateless and thread-safe.
 */
public final class TfServingJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String SIGNATURE = "serving_default";

    private TfServingJson() {
    }

    /** A decoded predict request: the records, and whether it came in columnar form (answered in the same form). */
    public static final class PredictRequest {
        private final List<Features> rows;
        private final boolean columnar;

        PredictRequest(List<Features> rows, boolean columnar) {
            this.rows = rows;
            this.columnar = columnar;
        }

        public List<Features> rows() {
            return rows;
        }

        /** @return true for {@code "inputs"}, false for {@code "instances"}. */
        public boolean columnar() {
            return columnar;
        }
    }

    /**
     * Reads a predict request (server side).
     *
     * @throws ProtocolException if the body is not a predict request
     * @throws InvalidInputException naming the input (and record) whose value does not fit the model
     */
    public static PredictRequest readPredictRequest(byte[] body, ModelInfo info) throws InvalidInputException {
        JsonNode root = V2Json.parse(body);
        boolean columnar = root.has("inputs");
        if (columnar == root.has("instances")) {
            throw new ProtocolException("a predict request has exactly one of 'instances' (row form) and 'inputs' "
                    + "(columnar form)");
        }
        String single = info.inputs().size() == 1 ? info.inputs().get(0).name() : null;
        List<Map<String, JsonNode>> rows = new ArrayList<>();
        if (columnar) {
            JsonNode inputs = root.get("inputs");
            Map<String, JsonNode> columns = new LinkedHashMap<>();
            if (named(inputs)) {
                inputs.fields().forEachRemaining(e -> columns.put(e.getKey(), e.getValue()));
            } else if (single != null) {
                columns.put(single, inputs);
            } else {
                throw new ProtocolException("'inputs' must be an object of named inputs: the model takes "
                        + info.inputs().size() + " inputs");
            }
            int n = -1;
            for (Map.Entry<String, JsonNode> c : columns.entrySet()) {
                if (!c.getValue().isArray() || (n >= 0 && c.getValue().size() != n)) {
                    throw new InvalidInputException(c.getKey(), "in columnar form each input is a list with one "
                            + "value per record" + (n >= 0 ? ", " + n + " as the other inputs" : ""));
                }
                n = c.getValue().size();
            }
            for (int i = 0; i < n; i++) {
                Map<String, JsonNode> row = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> c : columns.entrySet()) {
                    row.put(c.getKey(), c.getValue().get(i));
                }
                rows.add(row);
            }
        } else {
            JsonNode instances = root.get("instances");
            if (!instances.isArray()) {
                throw new ProtocolException("'instances' must be a list with one entry per record");
            }
            for (JsonNode instance : instances) {
                Map<String, JsonNode> row = new LinkedHashMap<>();
                if (named(instance)) {
                    instance.fields().forEachRemaining(e -> row.put(e.getKey(), e.getValue()));
                } else if (single != null) {
                    row.put(single, instance);
                } else {
                    throw new ProtocolException("each instance must be an object of named inputs: the model takes "
                            + info.inputs().size() + " inputs");
                }
                rows.add(row);
            }
        }
        List<Features> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Tensor> values = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : rows.get(i).entrySet()) {
                FieldSpec spec = info.input(e.getKey());
                if (spec == null && !info.inputs().isEmpty()) {
                    throw new InvalidInputException(i, e.getKey(), "the model has no such input; its inputs are "
                            + info.inputs(), null);
                }
                values.put(e.getKey(), value(e.getValue(), spec, e.getKey(), i));
            }
            out.add(Features.of(values));
        }
        return new PredictRequest(out, columnar);
    }

    private static boolean named(JsonNode node) {
        return node.isObject() && !isB64(node);
    }

    private static boolean isB64(JsonNode node) {
        return node.isObject() && node.size() == 1 && node.has("b64");
    }

    /** One record's value of an input, in the declared type, with its shape read from the nesting. */
    private static Tensor value(JsonNode node, FieldSpec spec, String name, int record) throws InvalidInputException {
        List<Long> dims = new ArrayList<>();
        for (JsonNode n = node; n.isArray(); n = n.size() == 0 ? NODES.nullNode() : n.get(0)) {
            dims.add((long) n.size());
        }
        List<JsonNode> flat = new ArrayList<>();
        flatten(node, 0, dims, flat, name, record);
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        DataType type = spec != null ? spec.type() : guess(flat);
        Object array = Elements.array(type, flat.size());
        for (int i = 0; i < flat.size(); i++) {
            try {
                element(array, type, i, flat.get(i));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(record, name, e.getMessage(), null);
            }
        }
        if (spec != null) {
            long[] want = spec.shape();
            if (want.length == 0 && shape.length == 1 && shape[0] == 1) {
                shape = want;
            }
            boolean ok = want.length == shape.length;
            for (int i = 0; ok && i < want.length; i++) {
                ok = want[i] < 0 || want[i] == shape[i];
            }
            if (!ok) {
                throw new InvalidInputException(record, name, "shape " + java.util.Arrays.toString(shape)
                        + " does not match the model's " + spec.typeAndShape(), null);
            }
        }
        return Elements.tensor(type, array, shape);
    }

    private static void flatten(JsonNode node, int depth, List<Long> dims, List<JsonNode> out, String name, int record)
            throws InvalidInputException {
        if (depth == dims.size()) {
            if (node.isArray()) {
                throw new InvalidInputException(record, name, "nested lists are not rectangular", null);
            }
            out.add(node);
            return;
        }
        if (!node.isArray() || node.size() != dims.get(depth)) {
            throw new InvalidInputException(record, name, "nested lists are not rectangular", null);
        }
        for (JsonNode e : node) {
            flatten(e, depth + 1, dims, out, name, record);
        }
    }

    private static DataType guess(List<JsonNode> flat) {
        JsonNode e = flat.isEmpty() ? NODES.numberNode(0.0) : flat.get(0);
        return e.isBoolean() ? DataType.BOOL : e.isIntegralNumber() ? DataType.INT64 : e.isNumber() ? DataType.DOUBLE
                : isB64(e) ? DataType.BYTES : DataType.STRING;
    }

    private static void element(Object array, DataType type, int i, JsonNode e) {
        switch (type) {
            case FLOAT:
            case DOUBLE:
                if (!e.isNumber()) {
                    throw new IllegalArgumentException("expected a number, got " + e);
                }
                double d = type == DataType.FLOAT ? e.floatValue() : e.doubleValue();
                if (!Double.isFinite(d)) {
                    // as TensorBatches.requireFinite: an overflowing or non-finite value never reaches the model
                    throw new IllegalArgumentException(e + " is not a finite " + (type == DataType.FLOAT ? "FP32"
                            : "FP64") + " number (NaN, an infinity, or a value the type cannot hold)");
                }
                if (type == DataType.FLOAT) {
                    ((float[]) array)[i] = (float) d;
                } else {
                    ((double[]) array)[i] = d;
                }
                return;
            case INT32:
            case INT64:
                if (!e.isIntegralNumber() || !e.canConvertToLong()
                        || (type == DataType.INT32 && !e.canConvertToInt())) {
                    throw new IllegalArgumentException("expected an integer of " + type.displayName() + ", got " + e);
                }
                if (type == DataType.INT32) {
                    ((int[]) array)[i] = e.intValue();
                } else {
                    ((long[]) array)[i] = e.longValue();
                }
                return;
            case BOOL:
                if (!e.isBoolean()) {
                    throw new IllegalArgumentException("expected true or false, got " + e);
                }
                ((boolean[]) array)[i] = e.booleanValue();
                return;
            case STRING:
                if (isB64(e)) {
                    ((String[]) array)[i] = new String(b64(e), StandardCharsets.UTF_8);
                } else if (e.isTextual()) {
                    ((String[]) array)[i] = e.textValue();
                } else {
                    throw new IllegalArgumentException("expected a string, got " + e);
                }
                return;
            default:
                if (isB64(e)) {
                    ((byte[][]) array)[i] = b64(e);
                } else if (e.isTextual()) {
                    ((byte[][]) array)[i] = e.textValue().getBytes(StandardCharsets.UTF_8);
                } else {
                    throw new IllegalArgumentException("expected {\"b64\": \"...\"}, got " + e);
                }
        }
    }

    private static byte[] b64(JsonNode e) {
        try {
            return Base64.getDecoder().decode(e.get("b64").asText());
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("'b64' is not base64: " + ex.getMessage());
        }
    }

    /**
     * Writes a predict request (client side), each record's inputs named.
     *
     * @param columnar true for {@code "inputs"}, false for {@code "instances"}
     */
    public static byte[] writePredictRequest(List<Features> rows, boolean columnar) {
        ObjectNode root = NODES.objectNode();
        List<Map<String, Tensor>> maps = new ArrayList<>();
        rows.forEach(r -> maps.add(r.asMap()));
        write(root, columnar ? "inputs" : "instances", maps, columnar, false);
        return V2Json.bytes(root);
    }

    /**
     * Writes a predict response (server side), in the form the request came in; with one output and no classifier
     * view the output's name is left out, as TF Serving does.
     */
    public static byte[] writePredictResponse(List<Prediction> predictions, boolean columnar) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Prediction p : predictions) {
            Map<String, Object> row = new LinkedHashMap<>(p.outputs());
            p.label().ifPresent(l -> row.put(TensorBatches.LABEL_OUTPUT, l));
            if (!p.probabilities().isEmpty()) {
                row.put(TensorBatches.PROBABILITIES_OUTPUT, p.probabilities());
            }
            rows.add(row);
        }
        ObjectNode root = NODES.objectNode();
        write(root, columnar ? "outputs" : "predictions", rows, columnar, true);
        return V2Json.bytes(root);
    }

    private static void write(ObjectNode root, String member, List<? extends Map<String, ?>> rows, boolean columnar,
            boolean bareSingle) {
        List<String> names = rows.isEmpty() ? List.of() : new ArrayList<>(rows.get(0).keySet());
        boolean bare = bareSingle && names.size() == 1;
        if (columnar) {
            if (bare) {
                ArrayNode col = root.putArray(member);
                rows.forEach(r -> col.add(json(r.get(names.get(0)))));
            } else {
                ObjectNode cols = root.putObject(member);
                for (String name : names) {
                    ArrayNode col = cols.putArray(name);
                    rows.forEach(r -> col.add(json(r.get(name))));
                }
            }
        } else {
            ArrayNode list = root.putArray(member);
            for (Map<String, ?> r : rows) {
                if (bare) {
                    list.add(json(r.get(names.get(0))));
                } else {
                    ObjectNode o = list.addObject();
                    r.forEach((k, v) -> o.set(k, json(v)));
                }
            }
        }
    }

    private static JsonNode json(Object value) {
        if (value instanceof Tensor) {
            Tensor t = (Tensor) value;
            return nested(t, t.shape(), 0, new int[] {0});
        }
        if (value instanceof String) {
            return NODES.textNode((String) value);
        }
        ObjectNode o = NODES.objectNode();
        ((Map<?, ?>) value).forEach((k, v) -> o.put(String.valueOf(k), (Double) v));
        return o;
    }

    private static JsonNode nested(Tensor t, long[] shape, int depth, int[] next) {
        if (depth == shape.length) {
            int i = next[0]++;
            switch (t.type()) {
                case FLOAT: return NODES.numberNode(t.asFloats()[i]);
                case DOUBLE: return NODES.numberNode(t.asDoubles()[i]);
                case INT32: return NODES.numberNode(t.asInts()[i]);
                case INT64: return NODES.numberNode(t.asLongs()[i]);
                case BOOL: return NODES.booleanNode(t.asBooleans()[i]);
                case STRING: return NODES.textNode(t.asStrings()[i]);
                default: return NODES.objectNode().put("b64", Base64.getEncoder().encodeToString(t.asBytes()[i]));
            }
        }
        ArrayNode a = NODES.arrayNode();
        for (long k = 0; k < shape[depth]; k++) {
            a.add(nested(t, shape, depth + 1, next));
        }
        return a;
    }

    /**
     * Reads a predict response (client side) in either form.
     *
     * @param info the model's signature: declared output types type the JSON numbers, and name a bare single output
     * @throws ProtocolException if the body is not a predict response, or is an error body
     */
    public static List<Prediction> readPredictResponse(byte[] body, ModelInfo info) {
        JsonNode root = V2Json.parse(body);
        if (root.has("error")) {
            throw new ProtocolException("the server answered an error: " + root.get("error").asText());
        }
        String single = info.outputs().size() == 1 ? info.outputs().get(0).name() : "output";
        List<Map<String, JsonNode>> rows = new ArrayList<>();
        if (root.has("outputs")) {
            JsonNode outputs = root.get("outputs");
            Map<String, JsonNode> columns = new LinkedHashMap<>();
            if (outputs.isObject() && !isB64(outputs)) {
                outputs.fields().forEachRemaining(e -> columns.put(e.getKey(), e.getValue()));
            } else {
                columns.put(single, outputs);
            }
            for (Map.Entry<String, JsonNode> c : columns.entrySet()) {
                if (!c.getValue().isArray()) {
                    throw new ProtocolException(c.getKey(), "a columnar output must be a list, one value per record",
                            null);
                }
                for (int i = 0; i < c.getValue().size(); i++) {
                    if (rows.size() <= i) {
                        rows.add(new LinkedHashMap<>());
                    }
                    rows.get(i).put(c.getKey(), c.getValue().get(i));
                }
            }
        } else if (root.path("predictions").isArray()) {
            for (JsonNode p : root.get("predictions")) {
                Map<String, JsonNode> row = new LinkedHashMap<>();
                if (p.isObject() && !isB64(p)) {
                    p.fields().forEachRemaining(e -> row.put(e.getKey(), e.getValue()));
                } else {
                    row.put(single, p);
                }
                rows.add(row);
            }
        } else {
            throw new ProtocolException("a predict response has 'predictions' (a list) or 'outputs'");
        }
        List<Prediction> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Prediction.Builder b = Prediction.builder();
            for (Map.Entry<String, JsonNode> e : rows.get(i).entrySet()) {
                String name = e.getKey();
                JsonNode v = e.getValue();
                if (name.equals(TensorBatches.LABEL_OUTPUT)) {
                    b.label(v.asText());
                } else if (name.equals(TensorBatches.PROBABILITIES_OUTPUT) && v.isObject()) {
                    v.fields().forEachRemaining(p -> b.probability(p.getKey(), p.getValue().asDouble()));
                } else {
                    FieldSpec spec = null;
                    for (FieldSpec f : info.outputs()) {
                        spec = f.name().equals(name) ? f : spec;
                    }
                    try {
                        b.output(name, value(v, spec == null ? null : FieldSpec.tensor(name, spec.type(),
                                unknownDims(spec)), name, i));
                    } catch (InvalidInputException ex) {
                        throw new ProtocolException(name, "record " + i + ": " + ex.getMessage(), ex);
                    }
                }
            }
            out.add(b.build());
        }
        return out;
    }

    /** A spec of the same rank whose dimensions are all unknown: a response's shape is what the model gave. */
    private static long[] unknownDims(FieldSpec spec) {
        long[] dims = spec.shape();
        java.util.Arrays.fill(dims, -1);
        return dims;
    }

    /** @return {@code {"model_version_status": [{"version", "state", "status": {...}}]}} for one version. */
    public static byte[] writeStatus(String version, boolean available) {
        ObjectNode root = NODES.objectNode();
        ObjectNode v = root.putArray("model_version_status").addObject().put("version", version)
                .put("state", available ? "AVAILABLE" : "LOADING");
        v.putObject("status").put("error_code", "OK").put("error_message", "");
        return V2Json.bytes(root);
    }

    /** @return TF Serving's metadata body, one {@code serving_default} signature from the model's fields. */
    public static byte[] writeMetadata(ModelInfo info) {
        ObjectNode root = NODES.objectNode();
        root.putObject("model_spec").put("name", info.name()).put("signature_name", "").put("version", info.version());
        ObjectNode sig = root.putObject("metadata").putObject("signature_def").putObject("signature_def")
                .putObject(SIGNATURE);
        tensorInfos(sig.putObject("inputs"), info.inputs());
        tensorInfos(sig.putObject("outputs"), info.outputs());
        sig.put("method_name", "tensorflow/serving/predict");
        return V2Json.bytes(root);
    }

    private static void tensorInfos(ObjectNode into, List<FieldSpec> fields) {
        for (FieldSpec f : fields) {
            ObjectNode t = into.putObject(f.name()).put("dtype", dtype(f.type()));
            ArrayNode dims = t.putObject("tensor_shape").putArray("dim");
            dims.addObject().put("size", "-1").put("name", "");
            for (long d : f.shape()) {
                dims.addObject().put("size", Long.toString(d)).put("name", "");
            }
            ((ObjectNode) t.get("tensor_shape")).put("unknown_rank", false);
            t.put("name", f.name());
        }
    }

    private static String dtype(DataType type) {
        switch (type) {
            case FLOAT: return "DT_FLOAT";
            case DOUBLE: return "DT_DOUBLE";
            case INT32: return "DT_INT32";
            case INT64: return "DT_INT64";
            case BOOL: return "DT_BOOL";
            default: return "DT_STRING";
        }
    }

    /**
     * Reads a metadata body into a signature (the {@code serving_default} signature, or the only one).
     *
     * @param format the format id to give the result
     * @throws ProtocolException if the body holds no usable signature or a type core cannot hold
     */
    public static ModelInfo readMetadata(byte[] body, String format) {
        JsonNode root = V2Json.parse(body);
        if (root.has("error")) {
            throw new ProtocolException("the server answered an error: " + root.get("error").asText());
        }
        JsonNode spec = root.path("model_spec");
        JsonNode defs = root.path("metadata").path("signature_def").path("signature_def");
        JsonNode sig = defs.has(SIGNATURE) ? defs.get(SIGNATURE) : defs.size() == 1 ? defs.elements().next() : null;
        if (sig == null) {
            throw new ProtocolException("the metadata has no '" + SIGNATURE + "' signature");
        }
        ModelInfo.Builder b = ModelInfo.builder(format).name(spec.path("name").asText("model"))
                .version(spec.path("version").asText("")).threadSafe(true);
        for (Iterator<Map.Entry<String, JsonNode>> it = sig.path("inputs").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            b.input(field(e.getKey(), e.getValue()));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = sig.path("outputs").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            b.output(field(e.getKey(), e.getValue()));
        }
        return b.build();
    }

    private static FieldSpec field(String name, JsonNode t) {
        String dtype = t.path("dtype").asText();
        DataType type;
        switch (dtype) {
            case "DT_FLOAT": type = DataType.FLOAT; break;
            case "DT_DOUBLE": type = DataType.DOUBLE; break;
            case "DT_INT8": case "DT_INT16": case "DT_INT32": case "DT_UINT8": case "DT_UINT16":
                type = DataType.INT32; break;
            case "DT_INT64": case "DT_UINT32": type = DataType.INT64; break;
            case "DT_BOOL": type = DataType.BOOL; break;
            case "DT_STRING": type = name.endsWith("_bytes") ? DataType.BYTES : DataType.STRING; break;
            default:
                throw new ProtocolException(name, "dtype " + dtype + " is not supported"
                        + (dtype.equals("DT_HALF") || dtype.equals("DT_BFLOAT16")
                        ? ": Inferstream has no half-precision type; serve the model with float32 inputs" : ""), null);
        }
        JsonNode shape = t.path("tensor_shape");
        if (shape.path("unknown_rank").asBoolean(false)) {
            return FieldSpec.tensor(name, type, -1);
        }
        List<Long> dims = new ArrayList<>();
        shape.path("dim").forEach(d -> dims.add(d.path("size").asLong(-1)));
        long[] perRecord = dims.stream().skip(dims.isEmpty() ? 0 : 1).mapToLong(Long::longValue).toArray();
        return perRecord.length == 0 ? FieldSpec.scalar(name, type) : FieldSpec.tensor(name, type, perRecord);
    }
}
