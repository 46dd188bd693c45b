package io.inferstream.monitor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A drift reference read from a file ({@code monitor.drift.reference.file}) instead of taken from a version's first
 * records: JSON Lines, one object per reference record, mapping monitored feature names (as the
 * {@code inferstream_drift_psi} gauges name them: {@code amount}, {@code features[2]}, {@code image.mean},
 * {@code prediction}) to numbers, and {@value DriftMonitor#PREDICTED_CLASS} to a class label, e.g.
 * {@code {"amount": 12.5, "hour": 3, "predicted.class": "fraud"}}. A feature may be absent from some lines; a
 * feature absent from the file is not monitored. Blank lines are skipped.
 *
 * <p>Thread safety: immutable after {@link #read}, safe to share.
 */
public final class DriftReference {
    private static final JsonFactory JSON = new JsonFactory();

    private final Map<String, double[]> numeric;
    private final List<String> classes;
    private final int records;

    private DriftReference(Map<String, double[]> numeric, List<String> classes, int records) {
        this.numeric = numeric;
        this.classes = classes;
        this.records = records;
    }

    /**
     * @throws IllegalArgumentException naming the file and line of anything that is not such an object
     * @throws IOException if the file cannot be read
     */
    public static DriftReference read(Path file) throws IOException {
        Map<String, List<Double>> values = new LinkedHashMap<>();
        List<String> classes = new ArrayList<>();
        int lineNumber = 0;
        int records = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            records++;
            try (JsonParser p = JSON.createParser(line)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IllegalArgumentException("not a JSON object");
                }
                JsonToken t;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    if (DriftMonitor.PREDICTED_CLASS.equals(name) && v.isScalarValue()) {
                        classes.add(p.getText());
                    } else if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
                        values.computeIfAbsent(name, k -> new ArrayList<>()).add(p.getDoubleValue());
                    } else {
                        throw new IllegalArgumentException("feature '" + name + "' is not a number");
                    }
                }
                if (t != JsonToken.END_OBJECT) {
                    throw new IllegalArgumentException("truncated object");
                }
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + lineNumber + ": " + TrueLabel.jsonProblem(e)
                        + " (each line must be a JSON object of feature name to number)");
            }
        }
        if (records == 0) {
            throw new IllegalArgumentException(file + " holds no reference records");
        }
        Map<String, double[]> numeric = new LinkedHashMap<>();
        values.forEach((k, v) -> numeric.put(k, v.stream().mapToDouble(Double::doubleValue).toArray()));
        return new DriftReference(Map.copyOf(numeric), List.copyOf(classes), records);
    }

    /** @return a feature's reference values, or null if the file does not have it. */
    double[] values(String feature) {
        return numeric.get(feature);
    }

    /** @return the predicted classes of the reference records (empty if the file has none). */
    List<String> classes() {
        return classes;
    }

    /** @return reference records in the file. */
    public int records() {
        return records;
    }
}
