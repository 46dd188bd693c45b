package io.inferstream.streams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serdes for Inferstream's JSON prediction format. The processor itself works on bytes (what the engine writes,
 * byte for byte); use {@link #prediction()} downstream of it to work with typed predictions:
 * <pre>{@code
 * scored.mapValues(bytes -> ...)  // or:
 * builder.stream("predictions", Consumed.with(Serdes.String(), InferenceSerdes.prediction()))
 *         .filter((key, p) -> p.probabilities().getOrDefault("fraud", 0.0) > 0.9) ...
 * }</pre>
 *
 * <p>Thread safety: the serdes are stateless and thread-safe.
 */
public final class InferenceSerdes {
    private static final JsonFactory JSON = new JsonFactory();

    private InferenceSerdes() {
    }

    /** @return a serde of {@link ScoredPrediction}: reads what the processor and the engine write, writes the same. */
    public static Serde<ScoredPrediction> prediction() {
        return Serdes.serdeFrom(serializer(), deserializer());
    }

    static Serializer<ScoredPrediction> serializer() {
        return (topic, p) -> p == null ? null : write(p);
    }

    static Deserializer<ScoredPrediction> deserializer() {
        return (topic, bytes) -> bytes == null ? null : read(topic, bytes);
    }

    private static byte[] write(ScoredPrediction p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (p.key().isPresent()) {
                g.writeStringField("key", p.key().get());
            }
            g.writeStringField("model", p.model());
            g.writeStringField("version", p.version());
            g.writeObjectFieldStart("outputs");
            for (Map.Entry<String, Object> e : p.outputs().entrySet()) {
                g.writeFieldName(e.getKey());
                writeValue(g, e.getValue());
            }
            g.writeEndObject();
            if (p.label().isPresent()) {
                g.writeStringField("label", p.label().get());
            }
            if (!p.probabilities().isEmpty()) {
                g.writeObjectFieldStart("probabilities");
                for (Map.Entry<String, Double> e : p.probabilities().entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new SerializationException("cannot write prediction " + p, e);
        }
        return out.toByteArray();
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof List) {
            g.writeStartArray();
            for (Object e : (List<?>) v) {
                writeValue(g, e);
            }
            g.writeEndArray();
        } else if (v instanceof Number) {
            g.writeNumber(((Number) v).doubleValue());
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else {
            g.writeString(v.toString());
        }
    }

    private static ScoredPrediction read(String topic, byte[] bytes) {
        String key = null;
        String model = null;
        String version = null;
        String label = null;
        Map<String, Object> outputs = new LinkedHashMap<>();
        Map<String, Double> probabilities = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("outputs") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        outputs.put(name, readValue(p, p.nextToken()));
                    }
                } else if (field.equals("probabilities") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        p.nextToken();
                        probabilities.put(name, p.getValueAsDouble());
                    }
                } else if (t.isStructStart()) {
                    p.skipChildren(); // a field of a later format: keep reading what we know
                } else if (field.equals("key")) {
                    key = p.getText();
                } else if (field.equals("model")) {
                    model = p.getText();
                } else if (field.equals("version")) {
                    version = p.getText();
                } else if (field.equals("label")) {
                    label = p.getText();
                }
            }
            if (model == null || version == null) {
                throw new IOException("no \"model\" or \"version\" field");
            }
        } catch (IOException e) {
            throw new SerializationException("not an Inferstream prediction on topic " + topic + ": " + e.getMessage()
                    + ": " + new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8), e);
        }
        return new ScoredPrediction(key, model, version, outputs, label, probabilities);
    }

    private static Object readValue(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case START_ARRAY:
                List<Object> list = new ArrayList<>();
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(readValue(p, e));
                }
                return list;
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            case START_OBJECT:
                p.skipChildren();
                return null;
            default:
                return p.getText();
        }
    }
}
