package io.inferstream.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferstream.data.DataType;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON (REST) form of the Open Inference Protocol v2: inference requests and responses, model and server
 * metadata, and error bodies.
 *
 * <p>{@code data} is read flat (row-major) or nested, and always written flat; tensors are streamed in and out
 * ({@link V2JsonStream}), never held as a tree, so a large batch costs little more than its numbers' text. BYTES elements are written as JSON
 * strings when they are valid UTF-8, otherwise as {@code {"b64": "..."}} (the TF Serving convention; the v2 JSON
 * form has no other way to carry arbitrary bytes), and both are read. In model metadata a STRING field of ours is
 * BYTES with {@code "parameters": {"content_type": "str"}} (Seldon MLServer's convention), so a client can tell text
 * from binary. Shapes in metadata put the batch dimension {@code -1} first; {@link #readModelMetadata} drops it.
 *
 * <p>Thread safety: stateless and thread-safe.
 */
public final class V2Json {
    // Fast float parsing and writing: tensor data is mostly numbers.
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            // A member named twice (an input's "data", a TF Serving input) is an error, not "the last one wins".
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build());
    /** Metadata parameter that marks a BYTES tensor as text. */
    public static final String CONTENT_TYPE = "content_type";

    private V2Json() {
    }

    /**
     * @param body a request body
     * @throws ProtocolException if it is not a v2 inference request
     */
    public static InferRequest readRequest(byte[] body) {
        V2JsonStream.Body parsed = V2JsonStream.read(body, "inputs", JSON);
        if (parsed.tensors == null) {
            throw new ProtocolException("the request has no 'inputs' array");
        }
        JsonNode root = parsed.rest;
        List<String> outputs = new ArrayList<>();
        for (JsonNode o : root.path("outputs")) {
            outputs.add(text(o, "name", "requested output"));
        }
        return new InferRequest(root.path("model_name").asText(""), root.path("model_version").asText(""),
                root.hasNonNull("id") ? root.get("id").asText() : null, parsed.tensors, outputs);
    }

    /** @return the request as a v2 JSON body; the model is named by the URL, so it is left out. */
    public static byte[] writeRequest(InferRequest request) {
        Map<String, String> head = new LinkedHashMap<>();
        head.put("id", request.id());
        return V2JsonStream.write(JSON, head, "inputs", request.inputs(), request.requestedOutputs());
    }

    /**
     * @param body a response body
     * @throws ProtocolException if it is not a v2 inference response
     */
    public static InferResponse readResponse(byte[] body) {
        V2JsonStream.Body parsed = V2JsonStream.read(body, "outputs", JSON);
        JsonNode root = parsed.rest;
        if (root.has("error")) {
            throw new ProtocolException("the server answered an error: " + root.get("error").asText());
        }
        if (parsed.tensors == null) {
            throw new ProtocolException("the response has no 'outputs' array");
        }
        return new InferResponse(text(root, "model_name", "response"), root.path("model_version").asText(""),
                root.hasNonNull("id") ? root.get("id").asText() : null, parsed.tensors);
    }

    /** @return the response as a v2 JSON body. */
    public static byte[] writeResponse(InferResponse response) {
        Map<String, String> head = new LinkedHashMap<>();
        head.put("model_name", response.modelName());
        head.put("model_version", response.modelVersion().isEmpty() ? null : response.modelVersion());
        head.put("id", response.id());
        return V2JsonStream.write(JSON, head, "outputs", response.outputs(), List.of());
    }

    /** @return {@code {"error": message}}, the protocol's error body. */
    public static byte[] writeError(String message) {
        return bytes(JSON.createObjectNode().put("error", message));
    }

    /** @return the server metadata body: {@code {"name", "version", "extensions": []}}. */
    public static byte[] writeServerMetadata(String name, String version, List<String> extensions) {
        ObjectNode root = JSON.createObjectNode().put("name", name).put("version", version);
        ArrayNode ext = root.putArray("extensions");
        extensions.forEach(ext::add);
        return bytes(root);
    }

    /**
     * @param versions the versions the server holds of this model
     * @return the model metadata body: name, versions, platform (our format id), inputs and outputs with the batch
     *     dimension {@code -1} first
     */
    public static byte[] writeModelMetadata(ModelInfo info, List<String> versions) {
        ObjectNode root = JSON.createObjectNode().put("name", info.name());
        ArrayNode v = root.putArray("versions");
        versions.forEach(v::add);
        root.put("platform", info.format());
        root.set("inputs", metadata(info.inputs()));
        root.set("outputs", metadata(info.outputs()));
        return bytes(root);
    }

    private static ArrayNode metadata(List<FieldSpec> fields) {
        ArrayNode a = JSON.createArrayNode();
        for (FieldSpec f : fields) {
            ObjectNode t = a.addObject().put("name", f.name()).put("datatype", V2Datatype.of(f.type()).name());
            ArrayNode shape = t.putArray("shape").add(-1);
            for (long d : f.shape()) {
                shape.add(d);
            }
            if (f.type() == DataType.STRING) {
                t.putObject("parameters").put(CONTENT_TYPE, "str");
            }
        }
        return a;
    }

    /**
     * Reads a model metadata body into a signature.
     *
     * @param format the format id to give the result, e.g. {@code kserve-v2}
     * @return name, the last listed version (or "" if none), inputs and outputs with the batch dimension dropped
     * @throws ProtocolException if it is not a v2 model metadata body
     */
    public static ModelInfo readModelMetadata(byte[] body, String format) {
        JsonNode root = parse(body);
        if (root.has("error")) {
            throw new ProtocolException("the server answered an error: " + root.get("error").asText());
        }
        ModelInfo.Builder b = ModelInfo.builder(format).name(text(root, "name", "metadata")).threadSafe(true);
        String version = "";
        for (JsonNode v : root.path("versions")) {
            version = v.asText();
        }
        b.version(version);
        if (root.hasNonNull("platform")) {
            b.property("platform", root.get("platform").asText());
        }
        for (JsonNode t : root.path("inputs")) {
            b.input(field(t));
        }
        for (JsonNode t : root.path("outputs")) {
            b.output(field(t));
        }
        return b.build();
    }

    private static FieldSpec field(JsonNode t) {
        String name = text(t, "name", "metadata tensor");
        V2Datatype dt = V2Datatype.parse(t.path("datatype").asText(null), name);
        DataType type = dt == V2Datatype.BYTES && "str".equals(t.path("parameters").path(CONTENT_TYPE).asText())
                ? DataType.STRING : dt.local();
        long[] shape = longs(t.path("shape"), name);
        long[] perRecord = shape.length == 0 ? shape : java.util.Arrays.copyOfRange(shape, 1, shape.length);
        return perRecord.length == 0 ? FieldSpec.scalar(name, type) : FieldSpec.tensor(name, type, perRecord);
    }

    // ---- tensors ----

    /** @return the text, or null if the bytes are not valid UTF-8. */
    static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    /** @return the element count of a shape, or a ProtocolException naming the tensor */
    static int elementCount(String name, long[] shape) {
        try {
            return Math.toIntExact(Tensor.elementCount(shape));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new ProtocolException(name, "shape " + java.util.Arrays.toString(shape) + " is not a tensor's", null);
        }
    }

    static Map<String, String> parameters(JsonNode p) {
        Map<String, String> out = new LinkedHashMap<>();
        if (p != null && p.isObject()) {
            p.fields().forEachRemaining(e -> out.put(e.getKey(),
                    e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString()));
        }
        return out;
    }

    // ---- plumbing ----

    static JsonNode parse(byte[] body) {
        try {
            JsonNode root = JSON.readTree(body);
            if (root == null || !root.isObject()) {
                throw new ProtocolException("the body is not a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new ProtocolException(null, "the body is not valid JSON: " + (e instanceof JsonProcessingException
                    ? ((JsonProcessingException) e).getOriginalMessage() : e.getMessage()), e);
        }
    }

    static String text(JsonNode node, String member, String what) {
        JsonNode v = node.get(member);
        if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
            throw new ProtocolException("a " + what + " has no '" + member + "' string");
        }
        return v.textValue();
    }

    static long[] longs(JsonNode shape, String name) {
        if (shape == null || !shape.isArray()) {
            throw new ProtocolException(name, "has no 'shape' array", null);
        }
        long[] out = new long[shape.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.isIntegralNumber()) {
                throw new ProtocolException(name, "shape " + shape + " is not an array of integers", null);
            }
            out[i] = d.longValue();
        }
        return out;
    }

    static byte[] bytes(JsonNode root) {
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectMapper mapper() {
        return JSON;
    }
}
