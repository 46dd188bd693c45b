package io.inferstream.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.inferstream.data.Prediction;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.streams.Inference;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link H2oStreamsExample}'s topology under {@code TopologyTestDriver}: each decision is the MOJO's own label and
 * probability for that car, and the car of an unseen colour and the one with a typo are dead letters with reasons.
 */
class H2oStreamsExampleTest {
    @TempDir
    Path dir;

    @Test
    void decisionsAreTheMojosOwnAndBadCarsAreDeadLetters() throws Exception {
        ModelSource mojo = MojoFixtures.source("gbm_binomial");
        List<Map.Entry<String, String>> good = H2oExample.RECORDS.subList(0, 3);
        List<Prediction> own;
        try (Model direct = ModelRegistry.discover().load(mojo, null, Map.of("unknown.categorical", "reject"))) {
            own = ExampleTopologyDriver.ownPredictions(direct, good);
        }
        try (Inference inference = H2oStreamsExample.inference(mojo);
             ExampleTopologyDriver driver = new ExampleTopologyDriver(H2oStreamsExample.topology(inference),
                     H2oStreamsExample.IN, dir)) {
            driver.send(H2oExample.RECORDS);
            List<TestRecord<String, String>> out = driver.read(H2oStreamsExample.OUT);
            assertEquals(List.of("car-1", "car-2", "car-3"), out.stream().map(TestRecord::key).toList());
            for (int i = 0; i < out.size(); i++) {
                String label = own.get(i).label().orElseThrow();
                assertEquals("{\"label\":\"" + label + "\",\"p\":" + own.get(i).probabilities().get(label) + "}",
                        out.get(i).value(), out.get(i).key());
            }
            List<TestRecord<String, String>> dead = driver.read(H2oStreamsExample.DLT);
            assertEquals(List.of("car-purple", "car-typo"), dead.stream().map(TestRecord::key).toList());
            for (TestRecord<String, String> d : dead) {
                assertNotNull(ExampleTopologyDriver.header(d, DeadLetterHeaders.STAGE), d.key());
                assertNotNull(ExampleTopologyDriver.header(d, DeadLetterHeaders.ERROR_MESSAGE), d.key());
                assertEquals(H2oStreamsExample.IN, ExampleTopologyDriver.header(d, DeadLetterHeaders.TOPIC));
            }
            assertEquals(H2oExample.RECORDS.get(3).getValue(), dead.get(0).value(), "the original value");
        }
    }
}
