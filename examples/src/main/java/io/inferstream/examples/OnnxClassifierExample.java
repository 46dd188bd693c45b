package io.inferstream.examples;

import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Serves an ONNX classifier on Kafka: JSON records with four scalar fields in, a label and class probabilities out.
 * The fields are joined into the model's single tensor input by {@code input.concat.features}, and
 * {@code model.class.labels} turns its probability vector into labels. One record is broken on purpose and goes
 * to the dead-letter topic with the reason.
 *
 * <p>Run: {@code bin/example onnx [bootstrap-servers]} (without servers it starts a broker in-process).
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class OnnxClassifierExample {
    private OnnxClassifierExample() {
    }

    public static void main(String[] args) throws Exception {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        double[][] rows = ReferenceClassifier.sampleInputs(4, 1);
        for (int i = 0; i < rows.length; i++) {
            records.add(Map.entry("sensor-" + i, ReferenceClassifier.toJson(rows[i])));
        }
        records.add(Map.entry("sensor-broken", "{\"f0\": 1.0, \"f1\": \"n/a\", \"f2\": 0, \"f3\": 0}"));
        new ExampleRun("readings", ModelSource.of(OnnxModelWriter.referenceClassifier(), "classifier.onnx"))
                .with("input.concat.features", "f0,f1,f2,f3")
                .with("model.class.labels", "low,mid,high")
                .run(args, records);
    }
}
