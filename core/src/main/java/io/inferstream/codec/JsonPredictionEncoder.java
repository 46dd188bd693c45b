package io.inferstream.codec;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
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
 * <p>Thread safety: thread-safe; each thread writes with a generator of its own.
 */
public final class JsonPredictionEncoder implements PredictionEncoder<byte[]> {
    // The fast writers (Schubfach) print the same shortest round-tripping digits as Double.toString, several
    // times faster: number formatting was a third of this encoder's time in the engine's profile.
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    /**
     * A thread's generator and buffer, kept across records: making and closing a generator per record (its
     * buffers taken from and given back to Jackson's recycler) cost as much as writing the record did.
     */
    // Field names quoted and encoded once, not per record.
    private static final SerializedString KEY = new SerializedString("key");
    private static final SerializedString KEY_B64 = new SerializedString("key_b64");
    private static final SerializedString MODEL = new SerializedString("model");
    private static final SerializedString VERSION = new SerializedString("version");
    private static final SerializedString OUTPUTS = new SerializedString("outputs");
    private static final SerializedString LABEL = new SerializedString("label");
    private static final SerializedString PROBABILITIES = new SerializedString("probabilities");

    private static final ThreadLocal<Writer> WRITERS = ThreadLocal.withInitial(Writer::new);

    private static final class Writer {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        final JsonGenerator generator;

        Writer() {
            try {
                generator = FACTORY.createGenerator(out, JsonEncoding.UTF8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            generator.setRootValueSeparator(null); // one root object per record, nothing between them
        }

        /** @return the bytes written since the last call. */
        byte[] take() throws IOException {
            generator.flush();
            byte[] bytes = out.toByteArray();
            out.reset();
            if (bytes.length > 1 << 20) {
                WRITERS.remove(); // do not keep a buffer grown by one huge prediction
            }
            return bytes;
        }
    }

    /** @return the prediction as UTF-8 JSON bytes. */
    @Override
    public byte[] encode(Prediction prediction, ModelInfo model, byte[] key) {
        Writer writer = WRITERS.get();
        JsonGenerator g = writer.generator;
        try {
            g.writeStartObject();
            if (key != null) {
                String text = utf8(key);
                g.writeFieldName(text != null ? KEY : KEY_B64);
                g.writeString(text != null ? text : Base64.getEncoder().encodeToString(key));
            }
            g.writeFieldName(MODEL);
            g.writeString(model.name());
            g.writeFieldName(VERSION);
            g.writeString(model.version());
            g.writeFieldName(OUTPUTS);
            g.writeStartObject();
            for (Map.Entry<String, Tensor> e : prediction.outputs().entrySet()) {
                g.writeFieldName(e.getKey());
                writeTensor(g, e.getValue());
            }
            g.writeEndObject();
            if (prediction.label().isPresent()) {
                g.writeFieldName(LABEL);
                g.writeString(prediction.label().get());
            }
            if (!prediction.probabilities().isEmpty()) {
                g.writeFieldName(PROBABILITIES);
                g.writeStartObject();
                for (Map.Entry<String, Double> e : prediction.probabilities().entrySet()) {
                    g.writeFieldName(e.getKey());
                    writeDouble(g, e.getValue()); // null when not finite, as for outputs (was the string "Infinity")
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            return writer.take();
        } catch (IOException | RuntimeException e) {
            WRITERS.remove(); // a generator left inside an object cannot start the next record
            if (e instanceof RuntimeException) {
                throw (RuntimeException) e;
            }
            throw new UncheckedIOException("cannot write prediction JSON", (IOException) e);
        }
    }

    /** @return the key as text, or null if it is not valid UTF-8 (then it is written as base64). */
    private static String utf8(byte[] bytes) {
        if (isAscii(bytes)) {
            // Nearly every key: no decoder to make (a strict decoder is allocated per call) and no validation.
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
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
