package io.inferstream.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.ModelInfo;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A prediction record as the engine writes it ({@code {"key":..,"model":..,"version":..,"outputs":{..},
 * "label":..,"probabilities":{..}}}), parsed back: for a host that hands predictions on as values (the Flink SQL
 * functions, the Kafka Streams serde) and for tests' assertions. {@link #values()} keeps each output as written
 * (a number a Double, a string a String, a boolean a Boolean, null for a non-finite number, a tensor nested Lists
 * following its shape); {@link #outputs()} gives the same flattened in row-major order. Fields of a later format are
 * skipped, so a reader keeps up with a writer that adds some. {@link #of} makes the same view straight from a
 * {@link Prediction}, with no JSON in between: a {@link PredictionEncoder} for hosts that hand these views on.
 *
 * <p>Thread safety: immutable after parsing.
 */
public final class PredictionJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private String key;
    private String model;
    private String version;
    private String label;
    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, List<Object>> outputs = new LinkedHashMap<>();
    private final Map<String, Double> probabilities = new LinkedHashMap<>();

    private PredictionJson() {
    }

    /**
     * @throws UncheckedIOException if the value is not a prediction object (the message quotes its start)
     */
    public static PredictionJson parse(byte[] value) {
        PredictionJson p = new PredictionJson();
        try (JsonParser parser = FACTORY.createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken t = parser.nextToken();
                if (field.equals("outputs") && t == JsonToken.START_OBJECT) {
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String name = parser.currentName();
                        p.putOutput(name, read(parser, parser.nextToken()));
                    }
                } else if (field.equals("probabilities") && t == JsonToken.START_OBJECT) {
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String name = parser.currentName();
                        // The engine writes a non-finite probability as null (JSON has no NaN).
                        p.probabilities.put(name, parser.nextToken() == JsonToken.VALUE_NULL ? Double.NaN
                                : parser.getDoubleValue());
                    }
                } else if (t.isStructStart()) {
                    parser.skipChildren(); // a field of a later format: keep reading what we know
                } else if (t == JsonToken.VALUE_NULL) {
                    continue;
                } else if (field.equals("key")) {
                    p.key = parser.getText();
                } else if (field.equals("model")) {
                    p.model = parser.getText();
                } else if (field.equals("version")) {
                    p.version = parser.getText();
                } else if (field.equals("label")) {
                    p.label = parser.getText();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("not a prediction record: " + e.getMessage() + ": "
                    + new String(value, 0, Math.min(value.length, 200), StandardCharsets.UTF_8), e);
        }
        return p;
    }

    /**
     * The view {@link #parse} gives of {@link JsonPredictionEncoder}'s bytes for this prediction, made without writing
     * or parsing them: numbers as Doubles (a float as the decimal JSON would show), non-finite numbers as null (NaN
     * for a probability), bytes as base64 text, a key that is not UTF-8 as no key.
     */
    public static PredictionJson of(Prediction prediction, ModelInfo model, byte[] key) {
        PredictionJson p = new PredictionJson();
        p.key = key == null ? null : utf8OrNull(key);
        p.model = model.name();
        p.version = model.version();
        for (Map.Entry<String, Tensor> e : prediction.outputs().entrySet()) {
            Tensor t = e.getValue();
            List<Object> flat = new ArrayList<>(t.size());
            for (int i = 0; i < t.size(); i++) {
                flat.add(element(t, i));
            }
            p.values.put(e.getKey(), t.isScalar() ? flat.get(0) : nest(flat, t.shape(), 0, new int[] {0}));
            p.outputs.put(e.getKey(), flat);
        }
        p.label = prediction.label().orElse(null);
        prediction.probabilities().forEach((label, probability) ->
                p.probabilities.put(label, Double.isFinite(probability) ? probability : Double.NaN));
        return p;
    }

    /**
     * The view of the prediction record these values describe, as {@link #parse} gives it of that record's bytes: for
     * a host that holds the values already (kafka-streams' {@code ScoredPrediction}).
     *
     * @param key the input record's key as text, or null
     * @param values output name to value as written: a Double, String, Boolean or null, or nested Lists of them
     * @param label the classifier label, or null
     * @param probabilities class label to probability; empty if not a classifier
     */
    public static PredictionJson of(String key, String model, String version, Map<String, ?> values, String label,
            Map<String, Double> probabilities) {
        PredictionJson p = new PredictionJson();
        p.key = key;
        p.model = model;
        p.version = version;
        p.label = label;
        values.forEach(p::putOutput);
        p.probabilities.putAll(probabilities);
        return p;
    }

    private static Object element(Tensor t, int i) {
        switch (t.type()) {
            case FLOAT: {
                float f = t.asFloats()[i];
                return Float.isFinite(f) ? Double.parseDouble(Float.toString(f)) : null;
            }
            case DOUBLE: {
                double d = t.asDoubles()[i];
                return Double.isFinite(d) ? d : null;
            }
            case INT32: return (double) t.asInts()[i];
            case INT64: return (double) t.asLongs()[i];
            case BOOL: return t.asBooleans()[i];
            case STRING: return t.asStrings()[i];
            default: return Base64.getEncoder().encodeToString(t.asBytes()[i]);
        }
    }

    private static List<Object> nest(List<Object> flat, long[] shape, int dim, int[] next) {
        List<Object> out = new ArrayList<>((int) shape[dim]);
        for (long k = 0; k < shape[dim]; k++) {
            out.add(dim == shape.length - 1 ? flat.get(next[0]++) : nest(flat, shape, dim + 1, next));
        }
        return out;
    }

    private static String utf8OrNull(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** @return the value at the parser's current token {@code t}, arrays as nested Lists. */
    private static Object read(JsonParser parser, JsonToken t) throws IOException {
        switch (t) {
            case START_ARRAY:
                List<Object> list = new ArrayList<>();
                JsonToken e;
                while ((e = parser.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(read(parser, e));
                }
                return list;
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return parser.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            case START_OBJECT:
                parser.skipChildren(); // no output is an object today: skip it whole rather than misread the rest
                return null;
            default:
                return parser.getText();
        }
    }

    /** Adds an output as written, and its elements flattened in row-major order. */
    private void putOutput(String name, Object value) {
        values.put(name, value);
        List<Object> flat = new ArrayList<>();
        flatten(value, flat);
        outputs.put(name, flat);
    }

    private static void flatten(Object v, List<Object> into) {
        if (v instanceof List) {
            for (Object e : (List<?>) v) {
                flatten(e, into);
            }
        } else {
            into.add(v);
        }
    }

    public String key() {
        return key;
    }

    public String model() {
        return model;
    }

    public String version() {
        return version;
    }

    /** @return the classifier label, or null. */
    public String label() {
        return label;
    }

    /** @return output name to its value as written: a scalar, or nested Lists following the tensor's shape. */
    public Map<String, Object> values() {
        return Collections.unmodifiableMap(values);
    }

    /** @return output name to its elements flattened in row-major order. */
    public Map<String, List<Object>> outputs() {
        return Collections.unmodifiableMap(outputs);
    }

    /**
     * @return a numeric output's elements as doubles, in row-major order (a scalar gives one value)
     * @throws IllegalArgumentException if there is no such output, or an element is not a number (a string, a
     *     boolean, or null for a non-finite number)
     */
    public double[] numbers(String output) {
        List<Object> values = outputs.get(output);
        if (values == null) {
            throw new IllegalArgumentException("no output '" + output + "'; outputs are " + outputs.keySet());
        }
        double[] numbers = new double[values.size()];
        for (int i = 0; i < numbers.length; i++) {
            if (!(values.get(i) instanceof Number)) {
                throw new IllegalArgumentException("output '" + output + "' holds " + values.get(i) + ", not a number");
            }
            numbers[i] = ((Number) values.get(i)).doubleValue();
        }
        return numbers;
    }

    /** @return class label to probability; empty if not a classifier. */
    public Map<String, Double> probabilities() {
        return Collections.unmodifiableMap(probabilities);
    }

    /** Equal when every field is: key, model, version, outputs as written, label and probabilities. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PredictionJson)) {
            return false;
        }
        PredictionJson p = (PredictionJson) o;
        return Objects.equals(key, p.key) && Objects.equals(model, p.model) && Objects.equals(version, p.version)
                && values.equals(p.values) && Objects.equals(label, p.label) && probabilities.equals(p.probabilities);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, model, version, values, label, probabilities);
    }
}
