package io.inferstream.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small JSON documents (the model topic's descriptors, routings and statuses; model signatures) to and from plain
 * maps, with the streaming Jackson core the engine already uses (no data-binding library in core).
 *
 * <p>Thread safety: stateless.
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {
    }

    /** @return the object's fields: String, Long, Double, Boolean, Map, List or null values. */
    public static Map<String, Object> parseObject(byte[] bytes) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> out = (Map<String, Object>) value(p);
            return out;
        }
    }

    private static Object value(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT:
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    m.put(name, value(p));
                }
                return m;
            case START_ARRAY:
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            case VALUE_STRING: return p.getText();
            case VALUE_NUMBER_INT: return p.getLongValue();
            case VALUE_NUMBER_FLOAT: return p.getDoubleValue();
            case VALUE_TRUE: return Boolean.TRUE;
            case VALUE_FALSE: return Boolean.FALSE;
            case VALUE_NULL: return null;
            default: throw new IOException("unexpected JSON token " + p.currentToken());
        }
    }

    /** @return the map as a JSON object (values as in {@link #parseObject}). */
    public static byte[] write(Map<String, ?> object) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            writeValue(g, object);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
        return out.toByteArray();
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v instanceof Map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                writeValue(g, e.getValue());
            }
            g.writeEndObject();
        } else if (v instanceof Iterable) {
            g.writeStartArray();
            for (Object o : (Iterable<?>) v) {
                writeValue(g, o);
            }
            g.writeEndArray();
        } else if (v instanceof Integer || v instanceof Long) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Number) {
            g.writeNumber(((Number) v).doubleValue());
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else if (v == null) {
            g.writeNull();
        } else {
            g.writeString(v.toString());
        }
    }
}
