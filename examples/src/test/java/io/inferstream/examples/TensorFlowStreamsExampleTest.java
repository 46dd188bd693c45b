package io.inferstream.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Prediction;
import io.inferstream.model.ClassLabelledModel;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.streams.Inference;
import io.inferstream.streams.InferenceSerdes;
import io.inferstream.streams.ScoredPrediction;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TensorFlowStreamsExample}'s topology under {@code TopologyTestDriver}: every image's prediction equals what
 * the SavedModel itself predicts for it (and the plain-Java forward pass of the same weights), in input order; the
 * cropped image is a dead letter with the reason.
 */
class TensorFlowStreamsExampleTest {
    @TempDir
    Path dir;

    @Test
    void predictionsAreTheModelsOwnAndTheCroppedImageIsADeadLetter() throws Exception {
        DenseNetwork net = DenseNetwork.mnistSized();
        Path model = SavedModelFixtures.denseNetwork(net, dir.resolve("mnist"));
        List<Map.Entry<String, String>> records = new ArrayList<>();
        float[][] images = net.sampleInputs(150, 3); // 150 > the batch of 100: one full batch, one by time
        for (int i = 0; i < images.length; i++) {
            records.add(Map.entry("image-" + i, DenseNetwork.toJson(images[i])));
        }
        List<Map.Entry<String, String>> good = List.copyOf(records);
        records.addAll(TensorFlowExample.records(net).subList(3, 4)); // image-cropped

        List<Prediction> own;
        try (Model direct = ClassLabelledModel.wrap(ModelRegistry.discover().load(ModelSource.of(model), "tensorflow",
                Map.of()), TensorFlowExample.DIGITS, "")) {
            own = ExampleTopologyDriver.ownPredictions(direct, good);
        }
        try (Inference inference = TensorFlowStreamsExample.inference(model);
             ExampleTopologyDriver driver = new ExampleTopologyDriver(TensorFlowStreamsExample.topology(inference),
                     TensorFlowStreamsExample.IN, dir.resolve("state"))) {
            driver.send(records);
            List<TestRecord<String, String>> out = driver.read(TensorFlowStreamsExample.OUT);
            assertEquals(good.size(), out.size());
            for (int i = 0; i < out.size(); i++) {
                assertEquals("image-" + i, out.get(i).key(), "input order");
                ScoredPrediction p = InferenceSerdes.prediction().deserializer().deserialize("t",
                        out.get(i).value().getBytes(StandardCharsets.UTF_8));
                assertEquals(own.get(i).label().orElseThrow(), p.label().orElseThrow(), out.get(i).key());
                assertEquals(own.get(i).probabilities(), p.probabilities(), out.get(i).key());
                assertArrayEquals(net.forward(images[i]), p.numbers("probabilities"), 1e-5, "forward pass");
            }
            List<TestRecord<String, String>> dead = driver.read(TensorFlowStreamsExample.DLT);
            assertEquals(List.of("image-cropped"), dead.stream().map(TestRecord::key).toList());
            assertEquals(DeadLetterHeaders.STAGE_VALIDATE, ExampleTopologyDriver.header(dead.get(0),
                    DeadLetterHeaders.STAGE));
            String reason = ExampleTopologyDriver.header(dead.get(0), DeadLetterHeaders.ERROR_MESSAGE);
            assertTrue(reason.contains("784") && reason.contains("783"), reason);
        }
    }
}
