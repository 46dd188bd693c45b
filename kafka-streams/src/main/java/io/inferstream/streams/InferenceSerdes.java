package io.inferstream.streams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.inferstream.codec.PredictionJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
                    g.writeFieldName(e.getKey());
                    writeValue(g, e.getValue());
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
            double d = ((Number) v).doubleValue();
            if (Double.isFinite(d)) {
                g.writeNumber(d);
            } else {
                g.writeNull(); // as the engine writes it: JSON has no NaN
            }
        } else if (v instanceof Boolean) {
            g.writeBoolean((Boolean) v);
        } else {
            g.writeString(v.toString());
        }
    }

    /** Reads with core's {@link PredictionJson}, the one reader of the format, and names the topic on failure. */
    private static ScoredPrediction read(String topic, byte[] bytes) {
        PredictionJson p;
        try {
            p = PredictionJson.parse(bytes);
        } catch (UncheckedIOException e) {
            throw new SerializationException("not an Inferstream prediction on topic " + topic + ": "
                    + e.getMessage(), e);
        }
        if (p.model() == null || p.version() == null) {
            throw new SerializationException("not an Inferstream prediction on topic " + topic + ": no \"model\" or "
                    + "\"version\" field: " + new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8));
        }
        return new ScoredPrediction(p);
    }
}
