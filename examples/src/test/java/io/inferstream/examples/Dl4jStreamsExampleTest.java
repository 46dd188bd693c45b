package io.inferstream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Prediction;
import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.model.ClassLabelledModel;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.streams.Inference;
import io.inferstream.streams.InferenceSerdes;
import io.inferstream.streams.ScoredPrediction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Dl4jStreamsExample}'s topology under {@code TopologyTestDriver}: each point's colour and probabilities are
 * the network's own, and the point with a word for a coordinate is a dead letter with the reason.
 */
class Dl4jStreamsExampleTest {
    @TempDir
    Path dir;

    @Test
    void coloursAreTheNetworksOwnAndTheBadPointIsADeadLetter() throws Exception {
        Path model = Dl4jFixtures.save(Dl4jFixtures.trainedClassifier(), dir.resolve("blobs.zip"));
        List<Map.Entry<String, String>> good = Dl4jExample.RECORDS.subList(0, 3);
        List<Prediction> own;
        try (Model direct = ClassLabelledModel.wrap(ModelRegistry.discover().load(ModelSource.of(model), null,
                Map.of()), Dl4jExample.COLOURS, "")) {
            own = ExampleTopologyDriver.ownPredictions(direct, good);
        }
        try (Inference inference = Dl4jStreamsExample.inference(model);
             ExampleTopologyDriver driver = new ExampleTopologyDriver(Dl4jStreamsExample.topology(inference),
                     Dl4jStreamsExample.IN, dir.resolve("state"))) {
            driver.send(Dl4jExample.RECORDS);
            List<TestRecord<String, String>> out = driver.read(Dl4jStreamsExample.OUT);
            assertEquals(List.of("p1", "p2", "p3"), out.stream().map(TestRecord::key).toList());
            for (int i = 0; i < out.size(); i++) {
                ScoredPrediction p = InferenceSerdes.prediction().deserializer().deserialize("t",
                        out.get(i).value().getBytes(StandardCharsets.UTF_8));
                assertEquals(own.get(i).label().orElseThrow(), p.label().orElseThrow(), out.get(i).key());
                assertEquals(own.get(i).probabilities(), p.probabilities(), out.get(i).key());
            }
            assertEquals(List.of("red", "green", "blue"), out.stream().map(r -> InferenceSerdes.prediction()
                    .deserializer().deserialize("t", r.value().getBytes(StandardCharsets.UTF_8)).label()
                    .orElseThrow()).toList(), "each point is near its own blob");
            List<TestRecord<String, String>> dead = driver.read(Dl4jStreamsExample.DLT);
            assertEquals(List.of("p-bad"), dead.stream().map(TestRecord::key).toList());
            String reason = ExampleTopologyDriver.header(dead.get(0), DeadLetterHeaders.ERROR_MESSAGE);
            assertTrue(reason != null && !reason.isBlank(), "a reason");
            assertEquals(DeadLetterHeaders.STAGE_VALIDATE, ExampleTopologyDriver.header(dead.get(0),
                    DeadLetterHeaders.STAGE));
        }
    }
}
