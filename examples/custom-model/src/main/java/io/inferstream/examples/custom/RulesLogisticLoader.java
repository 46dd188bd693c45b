package io.inferstream.examples.custom;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads the {@code rules-logistic} format: a JSON file such as
 * <pre>{@code
 * {"format": "rules-logistic", "name": "fraud", "version": "1",
 *  "features": ["amount", "hour", "foreign", "velocity"],
 *  "classes": ["legit", "fraud"],
 *  "weights": [[0, 0, 0, 0], [0.0004, -0.05, 1.2, 0.3]],
 *  "bias": [0, -4.0],
 *  "rules": [{"name": "huge-amount", "feature": "amount", "above": 10000, "class": "fraud"}]}
 * }</pre>
 * {@code weights} has one row per class and one column per feature; a binary logistic regression is the two-class
 * case with a row of zeros. Rules are checked in order; the first that matches decides the class outright.
 *
 * <p>Found by {@code ServiceLoader} through {@code META-INF/services}; like every loader it has a public no-argument
 * constructor and does nothing expensive before {@link #load}.
 *
 * <p>Thread safety: stateless, so thread-safe, as the SPI requires.
 */
public final class RulesLogisticLoader implements ModelLoader {
    /** The format id, for {@code model.format} and {@code --format}. */
    public static final String FORMAT = "rules-logistic";
    private static final JsonFactory JSON = new JsonFactory();

    /** Creates the loader; the ServiceLoader calls this. */
    public RulesLogisticLoader() {
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "rules plus multinomial logistic regression from a JSON file (example adapter, plain Java)";
    }

    /** By name ({@code *.rules.json}) or by the format field near the top of a JSON file; reads 512 bytes at most. */
    @Override
    public boolean accepts(ModelSource source) {
        if (source.isDirectory()) {
            return false;
        }
        if (source.lowerCaseName().endsWith(".rules.json")) {
            return true;
        }
        String head = new String(source.header(512), StandardCharsets.UTF_8);
        return head.stripLeading().startsWith("{") && head.replace(" ", "").contains("\"format\":\"" + FORMAT + "\"");
    }

    @Override
    public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        Map<String, Object> doc;
        try (InputStream in = source.open(); JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ModelLoadException(source + ": a rules-logistic model is a JSON object");
            }
            doc = object(p);
        } catch (IOException e) {
            throw new ModelLoadException(source + ": cannot read the model: " + e.getMessage(), e);
        }
        try {
            return build(source, doc);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new ModelLoadException(source + ": not a valid rules-logistic model: " + e.getMessage(), e);
        }
    }

    private static RulesLogisticModel build(ModelSource source, Map<String, Object> doc) {
        List<String> features = strings(doc, "features");
        List<String> classes = strings(doc, "classes");
        unique(features, "features");
        unique(classes, "classes");
        if (classes.size() < 2) {
            throw new IllegalArgumentException("'classes' needs at least two classes");
        }
        List<?> rows = list(doc, "weights");
        if (rows.size() != classes.size()) {
            throw new IllegalArgumentException("'weights' has " + rows.size() + " rows; one per class (" + classes.size()
                    + ") is needed");
        }
        double[][] weights = new double[classes.size()][];
        for (int c = 0; c < weights.length; c++) {
            weights[c] = numbers((List<?>) rows.get(c), "weights[" + c + "]", features.size());
        }
        double[] bias = numbers(list(doc, "bias"), "bias", classes.size());
        List<RulesLogisticModel.Rule> rules = new ArrayList<>();
        for (Object o : doc.containsKey("rules") ? list(doc, "rules") : List.of()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) o;
            String feature = (String) r.get("feature");
            int featureIndex = features.indexOf(feature);
            int classIndex = classes.indexOf((String) r.get("class"));
            if (featureIndex < 0 || classIndex < 0) {
                throw new IllegalArgumentException("rule " + r + " names an unknown feature or class");
            }
            boolean above = r.containsKey("above");
            if (above == r.containsKey("below")) {
                throw new IllegalArgumentException("rule " + r + " needs exactly one of 'above' and 'below'");
            }
            double threshold = ((Number) r.get(above ? "above" : "below")).doubleValue();
            String name = r.containsKey("name") ? (String) r.get("name") : feature + (above ? ">" : "<") + threshold;
            rules.add(new RulesLogisticModel.Rule(name, featureIndex, above, threshold, classIndex));
        }
        String name = doc.containsKey("name") ? (String) doc.get("name") : baseName(source.name());
        String version = doc.containsKey("version") ? String.valueOf(doc.get("version")) : "1";
        return new RulesLogisticModel(name, version, features, classes, weights, bias, rules);
    }

    private static String baseName(String fileName) {
        int dot = fileName.indexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    private static void unique(List<String> names, String what) {
        Set<String> seen = new HashSet<>();
        for (String n : names) {
            if (!seen.add(n)) {
                throw new IllegalArgumentException("'" + what + "' names " + n + " twice");
            }
        }
    }

    private static List<?> list(Map<String, Object> doc, String key) {
        Object v = doc.get(key);
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("'" + key + "' must be an array");
        }
        return (List<?>) v;
    }

    private static List<String> strings(Map<String, Object> doc, String key) {
        List<String> out = new ArrayList<>();
        for (Object o : list(doc, key)) {
            if (!(o instanceof String)) {
                throw new IllegalArgumentException("'" + key + "' must hold strings, not " + o);
            }
            out.add((String) o);
        }
        return out;
    }

    private static double[] numbers(List<?> values, String what, int expected) {
        if (values.size() != expected) {
            throw new IllegalArgumentException("'" + what + "' has " + values.size() + " values, " + expected + " expected");
        }
        double[] out = new double[expected];
        for (int i = 0; i < expected; i++) {
            out[i] = ((Number) values.get(i)).doubleValue();
        }
        return out;
    }

    /** The JSON object the parser stands at the start of, as maps, lists, numbers, strings, booleans and nulls. */
    private static Map<String, Object> object(JsonParser p) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            out.put(key, value(p));
        }
        return out;
    }

    private static Object value(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT: return object(p);
            case START_ARRAY:
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(p));
                }
                return list;
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT: return p.getDoubleValue();
            case VALUE_STRING: return p.getText();
            case VALUE_TRUE: return Boolean.TRUE;
            case VALUE_FALSE: return Boolean.FALSE;
            case VALUE_NULL: return null;
            default: throw new IOException("unexpected " + p.currentToken() + " at " + p.currentLocation());
        }
    }
}
