package io.inferstream.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferstream.data.DataType;
import io.inferstream.data.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Streams the tensor arrays of v2 JSON bodies ({@code inputs}, {@code outputs}) instead of building a tree of them:
 * a tensor's {@code data} is parsed straight into a primitive array when its {@code name}, {@code datatype} and
 * {@code shape} came before it, as the protocol document writes them (otherwise it is read as a tree first and
 * then parsed the same way). Everything else of a body is small and read as a tree. On a batch of 784-float records this
 * is what keeps JSON from dominating a REST call.
 *
 * <p>Thread safety: stateless and thread-safe.
 */
final class V2JsonStream {
    private V2JsonStream() {
    }

    /** A body's members other than the tensor array, and the tensors (null if the array was absent). */
    static final class Body {
        final ObjectNode rest;
        final List<WireTensor> tensors;

        Body(ObjectNode rest, List<WireTensor> tensors) {
            this.rest = rest;
            this.tensors = tensors;
        }
    }

    /**
     * @param member {@code inputs} or {@code outputs}
     * @throws ProtocolException if the body is not JSON, or a tensor does not follow the protocol
     */
    static Body read(byte[] body, String member, ObjectMapper json) {
        try (JsonParser p = json.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException("the body is not a JSON object");
            }
            ObjectNode rest = json.createObjectNode();
            List<WireTensor> tensors = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals(member) && value == JsonToken.START_ARRAY) {
                    tensors = new ArrayList<>();
                    for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                        if (t != JsonToken.START_OBJECT) {
                            throw new ProtocolException("'" + member + "' must be an array of tensor objects");
                        }
                        tensors.add(tensor(p, json, member.substring(0, member.length() - 1)));
                    }
                } else {
                    rest.set(field, json.readTree(p));
                }
            }
            return new Body(rest, tensors);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(null, "the body is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ProtocolException(null, "the body cannot be read: " + e.getMessage(), e);
        }
    }

    /** Reads one tensor object; the parser is on its START_OBJECT and is left on its END_OBJECT. */
    private static WireTensor tensor(JsonParser p, ObjectMapper json, String what) throws IOException {
        String name = null;
        String datatype = null;
        long[] shape = null;
        Map<String, String> parameters = Map.of();
        Tensor values = null;
        JsonNode deferred = null;
        boolean sawData = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name":
                    name = value == JsonToken.VALUE_STRING && !p.getText().isEmpty() ? p.getText() : null;
                    break;
                case "datatype":
                    datatype = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    break;
                case "shape":
                    shape = V2Json.longs(json.readTree(p), name == null ? "?" : name);
                    break;
                case "parameters":
                    parameters = V2Json.parameters(json.readTree(p));
                    break;
                case "data":
                    sawData = true;
                    if (name != null && datatype != null && shape != null) {
                        values = stream(p, json, name, V2Datatype.parse(datatype, name), shape);
                    } else {
                        deferred = json.readTree(p);
                    }
                    break;
                default:
                    p.skipChildren();
            }
        }
        if (name == null) {
            throw new ProtocolException("a " + what + " has no 'name' string");
        }
        V2Datatype dt = V2Datatype.parse(datatype, name);
        if (shape == null) {
            throw new ProtocolException(name, "has no 'shape' array", null);
        }
        if (!sawData) {
            throw new ProtocolException(name, "has no 'data'", null);
        }
        if (values == null) {
            // data came before what it needs: replay the tree it was read into through the same parse.
            try (JsonParser replay = json.treeAsTokens(deferred)) {
                replay.nextToken();
                values = stream(replay, json, name, dt, shape);
            }
        }
        return new WireTensor(name, dt, values, parameters);
    }

    /**
     * Parses {@code data}, flat or nested, straight into an array of the datatype's local type. The array grows with
     * the elements actually read, never to the declared shape up front: a body of a few bytes declaring billions of
     * elements costs a few bytes, and the count is compared with the shape at the end.
     */
    private static Tensor stream(JsonParser p, ObjectMapper json, String name, V2Datatype dt, long[] shape)
            throws IOException {
        int n = V2Json.elementCount(name, shape);
        Filling data = new Filling(dt.local(), n);
        int count = fill(p, json, name, dt, data, 0);
        if (count != n) {
            throw new ProtocolException(name, "shape " + Arrays.toString(shape) + " holds " + n
                    + " elements but 'data' has " + count, null);
        }
        return Elements.tensor(dt.local(), data.array, shape);
    }

    /** An array filled element by element, grown by doubling up to the declared count. */
    private static final class Filling {
        private static final int FIRST = 1024;
        final DataType type;
        final int declared;
        Object array;
        int capacity;

        Filling(DataType type, int declared) {
            this.type = type;
            this.declared = declared;
            this.capacity = Math.min(declared, FIRST);
            this.array = Elements.array(type, capacity);
        }

        /** Makes room for element {@code i} (below the declared count). */
        void reserve(int i) {
            if (i < capacity) {
                return;
            }
            int grown = (int) Math.min(declared, Math.max(FIRST, 2L * capacity));
            Object bigger = Elements.array(type, grown);
            System.arraycopy(array, 0, bigger, 0, capacity);
            array = bigger;
            capacity = grown;
        }
    }

    /** @return the element count after this value (elements beyond the declared count are counted, not stored) */
    private static int fill(JsonParser p, ObjectMapper json, String name, V2Datatype dt, Filling data, int i)
            throws IOException {
        if (p.currentToken() == JsonToken.START_ARRAY) {
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t == null) {
                    throw new ProtocolException(name, "the body ends inside 'data'", null);
                }
                i = fill(p, json, name, dt, data, i);
            }
            return i;
        }
        if (i < data.declared) {
            data.reserve(i);
            element(p, json, name, dt, data.array, i);
        } else {
            p.skipChildren();
        }
        return i + 1;
    }

    private static void element(JsonParser p, ObjectMapper json, String name, V2Datatype dt, Object array, int i)
            throws IOException {
        JsonToken t = p.currentToken();
        switch (dt.local()) {
            case BOOL:
                if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
                    throw element(name, i, p.getText(), "a boolean");
                }
                ((boolean[]) array)[i] = t == JsonToken.VALUE_TRUE;
                return;
            case FLOAT:
            case DOUBLE:
                if (!t.isNumeric()) {
                    throw element(name, i, p.getText(), "a number");
                }
                if (dt.local() == DataType.FLOAT) {
                    ((float[]) array)[i] = p.getFloatValue();
                } else {
                    ((double[]) array)[i] = p.getDoubleValue();
                }
                return;
            case INT32:
            case INT64:
                if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw element(name, i, p.getText(), "an integer of " + dt);
                }
                long l = p.getLongValue();
                dt.checkRange(l, name);
                if (dt.local() == DataType.INT32) {
                    ((int[]) array)[i] = (int) l;
                } else {
                    ((long[]) array)[i] = l;
                }
                return;
            default:
                if (t == JsonToken.VALUE_STRING) {
                    ((byte[][]) array)[i] = p.getText().getBytes(StandardCharsets.UTF_8);
                    return;
                }
                JsonNode b64 = t == JsonToken.START_OBJECT ? json.readTree(p) : null;
                if (b64 == null || b64.size() != 1 || !b64.path("b64").isTextual()) {
                    throw element(name, i, b64 == null ? p.getText() : b64.toString(),
                            "a string or {\"b64\": \"...\"}");
                }
                try {
                    ((byte[][]) array)[i] = Base64.getDecoder().decode(b64.get("b64").textValue());
                } catch (IllegalArgumentException e) {
                    throw new ProtocolException(name, "element " + i + ": 'b64' is not base64: " + e.getMessage(), e);
                }
        }
    }

    private static ProtocolException element(String name, int i, String shown, String wanted) {
        return new ProtocolException(name, "element " + i + " is " + (shown.length() > 40 ? shown.substring(0, 40)
                + "..." : shown) + ", expected " + wanted, null);
    }

    /**
     * Writes a body: the given leading string members (null values left out), then the tensor array.
     *
     * @param member {@code inputs} or {@code outputs}
     */
    static byte[] write(ObjectMapper json, Map<String, String> head, String member, List<WireTensor> tensors,
            List<String> requestedOutputs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = json.getFactory().createGenerator(out)) {
            g.writeStartObject();
            for (Map.Entry<String, String> e : head.entrySet()) {
                if (e.getValue() != null) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
            }
            g.writeArrayFieldStart(member);
            for (WireTensor t : tensors) {
                tensor(g, t);
            }
            g.writeEndArray();
            if (!requestedOutputs.isEmpty()) {
                g.writeArrayFieldStart("outputs");
                for (String n : requestedOutputs) {
                    g.writeStartObject();
                    g.writeStringField("name", n);
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to memory failed", e);
        }
        return out.toByteArray();
    }

    private static void tensor(JsonGenerator g, WireTensor t) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", t.name());
        g.writeArrayFieldStart("shape");
        for (long d : t.shape()) {
            g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeStringField("datatype", t.datatype().name());
        if (!t.parameters().isEmpty()) {
            g.writeObjectFieldStart("parameters");
            for (Map.Entry<String, String> e : t.parameters().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
        g.writeArrayFieldStart("data");
        Tensor v = t.values();
        switch (v.type()) {
            case FLOAT: for (float f : v.asFloats()) { g.writeNumber(f); } break;
            case DOUBLE: for (double d : v.asDoubles()) { g.writeNumber(d); } break;
            case INT32: for (int i : v.asInts()) { g.writeNumber(i); } break;
            case INT64: for (long l : v.asLongs()) { g.writeNumber(l); } break;
            case BOOL: for (boolean b : v.asBooleans()) { g.writeBoolean(b); } break;
            default:
                for (byte[] b : v.asBytes()) {
                    String s = V2Json.utf8(b);
                    if (s != null) {
                        g.writeString(s);
                    } else {
                        g.writeStartObject();
                        g.writeStringField("b64", Base64.getEncoder().encodeToString(b));
                        g.writeEndObject();
                    }
                }
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
