package io.inferstream.examples;

import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.sandbox.models.ScratchDirectory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Serves a PMML logistic regression (loan approval) with jpmml: JSON applications in, the decision and its
 * probabilities out, with the document's own missing-value treatment (a missing income is replaced) and its own
 * output fields. An unknown colour is rejected by the document and goes to the dead-letter topic with jpmml's
 * message. (jpmml is AGPL-3.0: see the README.)
 *
 * <p>Run: {@code bin/example pmml [bootstrap-servers]}.
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class PmmlExample {
    private PmmlExample() {
    }

    public static void main(String[] args) throws Exception {
        try (ScratchDirectory scratch = ScratchDirectory.create("pmml-example")) {
            Path dir = scratch.path();
            Path model = PmmlFixtures.write(dir, "approval.pmml", PmmlFixtures.logisticRegression());
            new ExampleRun("applications", ModelSource.of(model))
                    .run(args, List.of(
                            Map.entry("a1", "{\"age\": 41, \"income\": 52.5, \"colour\": \"green\"}"),
                            Map.entry("a2", "{\"age\": 23, \"colour\": \"red\"}"),
                            Map.entry("a3", "{\"age\": 67, \"income\": 12, \"colour\": \"blue\"}"),
                            Map.entry("a-bad", "{\"age\": 35, \"income\": 40, \"colour\": \"purple\"}")));
        }
    }
}
