package io.inferstream.codec;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.ModelInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Writes a prediction as one JSON object:
 * <pre>{@code
 * {"key":"user-17","model":"mnist","version":"3",
 *  "outputs":{"probabilities":[0.01,0.93,...]},
 *  "label":"1","probabilities":{"0":0.01,"1":0.93,...}}
 * }</pre>
 * Every model output appears under its own name with its own type (numbers stay numbers, strings stay strings,
 * a multi-dimensional output is a nested array); {@code label} and {@code probabilities} appear for classifiers;
 * {@code key} is the input record's key as text ({@code key_b64} when it is not UTF-8), absent when it is null.
 *
 * <p>Thread safety: immutable and thread-safe.
 */
public final class JsonPredictionEncoder implements PredictionEncoder<byte[]> {
    private static final JsonFactory FACTORY = new JsonFactory();

    /** @return the prediction as UTF-8 JSON bytes. */
    @Override
    public byte[] encode(Prediction prediction, ModelInfo model, byte[] key) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            if (key != null) {
                String text = utf8(key);
                if (text != null) {
                    g.writeStringField("key", text);
                } else {
                    g.writeStringField("key_b64", Base64.getEncoder().encodeToString(key));
                }
            }
            g.writeStringField("model", model.name());
            g.writeStringField("version", model.version());
            g.writeObjectFieldStart("outputs");
            for (Map.Entry<String, Tensor> e : prediction.outputs().entrySet()) {
                g.writeFieldName(e.getKey());
                writeTensor(g, e.getValue());
            }
            g.writeEndObject();
            if (prediction.label().isPresent()) {
                g.writeStringField("label", prediction.label().get());
            }
            if (!prediction.probabilities().isEmpty()) {
                g.writeObjectFieldStart("probabilities");
                for (Map.Entry<String, Double> e : prediction.probabilities().entrySet()) {
                    g.writeFieldName(e.getKey());
                    writeDouble(g, e.getValue()); // null when not finite, as for outputs (was the string "Infinity")
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write prediction JSON", e);
        }
        return out.toByteArray();
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** Writes a tensor as a value (scalar) or nested arrays following its shape. */
    static void writeTensor(JsonGenerator g, Tensor t) throws IOException {
        if (t.isScalar()) {
            writeElement(g, t, 0);
            return;
        }
        writeDimension(g, t, t.shape(), 0, 0);
    }

    private static int writeDimension(JsonGenerator g, Tensor t, long[] shape, int dim, int index) throws IOException {
        g.writeStartArray();
        int i = index;
        for (long k = 0; k < shape[dim]; k++) {
            if (dim == shape.length - 1) {
                writeElement(g, t, i++);
            } else {
                i = writeDimension(g, t, shape, dim + 1, i);
            }
        }
        g.writeEndArray();
        return i;
    }

    private static void writeElement(JsonGenerator g, Tensor t, int i) throws IOException {
        switch (t.type()) {
            case FLOAT: writeFloat(g, t.asFloats()[i]); break;
            case DOUBLE: writeDouble(g, t.asDoubles()[i]); break;
            case INT32: g.writeNumber(t.asInts()[i]); break;
            case INT64: g.writeNumber(t.asLongs()[i]); break;
            case BOOL: g.writeBoolean(t.asBooleans()[i]); break;
            case STRING: g.writeString(t.asStrings()[i]); break;
            default: g.writeString(Base64.getEncoder().encodeToString(t.asBytes()[i])); break;
        }
    }

    // JSON has no NaN: write non-finite values as null rather than emit invalid JSON.
    private static void writeFloat(JsonGenerator g, float f) throws IOException {
        if (Float.isFinite(f)) {
            g.writeNumber(f);
        } else {
            g.writeNull();
        }
    }

    private static void writeDouble(JsonGenerator g, double d) throws IOException {
        if (Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeNull();
        }
    }
}
