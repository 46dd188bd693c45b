package io.inferstream.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A prediction record as the engine writes it ({@code {"key":..,"model":..,"version":..,"outputs":{..},
 * "label":..,"probabilities":{..}}}), parsed back: for a host that hands predictions on as values (the Flink SQL
 * functions) and for tests' assertions. Output values are flattened in row-major order
 * to Double, String or Boolean elements (null for a non-finite number).
 *
 * <p>Thread safety: immutable after parsing.
 */
public final class PredictionJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private String key;
    private String model;
    private String version;
    private String label;
    private final Map<String, List<Object>> outputs = new LinkedHashMap<>();
    private final Map<String, Double> probabilities = new LinkedHashMap<>();

    private PredictionJson() {
    }

    /** @throws UncheckedIOException if the value is not a prediction object */
    public static PredictionJson parse(byte[] value) {
        PredictionJson p = new PredictionJson();
        try (JsonParser parser = FACTORY.createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken t = parser.nextToken();
                switch (field) {
                    case "key": p.key = parser.getText(); break;
                    case "model": p.model = parser.getText(); break;
                    case "version": p.version = parser.getText(); break;
                    case "label": p.label = parser.getText(); break;
                    case "outputs":
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            String name = parser.currentName();
                            List<Object> values = new ArrayList<>();
                            flatten(parser, parser.nextToken(), values);
                            p.outputs.put(name, values);
                        }
                        break;
                    case "probabilities":
                        while (parser.nextToken() == JsonToken.FIELD_NAME) {
                            String name = parser.currentName();
                            parser.nextToken();
                            p.probabilities.put(name, parser.getDoubleValue());
                        }
                        break;
                    default:
                        if (t.isStructStart()) {
                            parser.skipChildren();
                        }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("not a prediction record: " + new String(value, java.nio.charset.StandardCharsets.UTF_8), e);
        }
        return p;
    }

    private static void flatten(JsonParser parser, JsonToken t, List<Object> into) throws IOException {
        if (t == JsonToken.START_ARRAY) {
            JsonToken e;
            while ((e = parser.nextToken()) != JsonToken.END_ARRAY) {
                flatten(parser, e, into);
            }
        } else if (t.isNumeric()) {
            into.add(parser.getDoubleValue());
        } else if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            into.add(t == JsonToken.VALUE_TRUE);
        } else if (t == JsonToken.VALUE_NULL) {
            into.add(null);
        } else {
            into.add(parser.getText());
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

    /** @return output name to its flattened elements. */
    public Map<String, List<Object>> outputs() {
        return Collections.unmodifiableMap(outputs);
    }

    /** @return a numeric output's elements as doubles. */
    public double[] numbers(String output) {
        List<Object> values = outputs.get(output);
        if (values == null) {
            throw new IllegalArgumentException("no output '" + output + "' in " + outputs.keySet());
        }
        return values.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
    }

    /** @return class label to probability; empty if not a classifier. */
    public Map<String, Double> probabilities() {
        return Collections.unmodifiableMap(probabilities);
    }
}
