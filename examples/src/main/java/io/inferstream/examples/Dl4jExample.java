package io.inferstream.examples;

import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ScratchDirectory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Serves a Deeplearning4j network trained in-process on three blobs of points: JSON points in, the colour of
 * their blob out. DL4J networks are not thread-safe, so with two workers the engine loads one copy per worker.
 *
 * <p>Run: {@code bin/example dl4j [bootstrap-servers]}.
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class Dl4jExample {
    private Dl4jExample() {
    }

    public static void main(String[] args) throws Exception {
        try (ScratchDirectory scratch = ScratchDirectory.create("dl4j-example")) {
            Path dir = scratch.path();
            Path model = Dl4jFixtures.save(Dl4jFixtures.trainedClassifier(), dir.resolve("blobs.zip"));
            new ExampleRun("points", ModelSource.of(model))
                    .with("model.class.labels", String.join(",", COLOURS))
                    .with("worker.threads", 2)
                    .run(args, RECORDS);
        }
    }

    /** The blobs' colours, the network's classes. */
    static final List<String> COLOURS = List.of("red", "green", "blue");

    /** A point near each blob, and one with a word for a coordinate: a dead letter. */
    static final List<Map.Entry<String, String>> RECORDS = List.of(
            Map.entry("p1", "{\"input\": [1.0, 0.0]}"),
            Map.entry("p2", "{\"input\": [-0.5, 0.87]}"),
            Map.entry("p3", "{\"input\": [-0.5, -0.87]}"),
            Map.entry("p-bad", "{\"input\": [1.0, \"north\"]}"));
}
