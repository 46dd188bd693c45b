package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.monitor.DriftMonitor;
import io.inferstream.monitor.LabelJoin;
import io.inferstream.monitor.ModelMonitor;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.streams.example.EmbedModelInKafkaStreams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor feeds the engine's accuracy and drift monitor: predictions are remembered under their keys and
 * joined with true labels (accuracy from an independent argmax of the plain-Java forward pass, one label wrong on
 * purpose), and scored rows reach the drift monitor per version.
 */
class StreamsMonitorTest {
    static final DenseNetwork NET = DenseNetwork.random(12, 8, 4, 7);
    static final List<String> CLASSES = List.of("a", "b", "c", "d");

    @TempDir
    Path dir;

    @Test
    void scoredBatchesReachTheLabelJoinAndTheDriftMonitor() throws Exception {
        Path model = Files.write(dir.resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET));
        ModelRegistry registry = ModelRegistry.discover();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ModelMonitor monitor = new ModelMonitor(new LabelJoin(meters, 600_000, 1_000, System::currentTimeMillis),
                new DriftMonitor(meters, 10, 0.2, null));
        int n = 40;
        float[][] rows = NET.sampleInputs(n, 8);
        try (Inference inference = Inference.start(() -> registry.load(ModelSource.of(model), null, Map.of()),
                InferenceOptions.builder().maxBatchSize(10).maxBatchDelay(Duration.ofMillis(100))
                        .classLabels(CLASSES, "probabilities")
                        .predictionChild("predictions").deadLetterChild("dead-letters").build()).monitor(monitor)) {
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "monitor-test");
            props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
            try (TopologyTestDriver driver = new TopologyTestDriver(EmbedModelInKafkaStreams.topology(inference), props,
                    Instant.EPOCH)) {
                TestInputTopic<String, String> events = driver.createInputTopic("events", new StringSerializer(),
                        new StringSerializer());
                for (int i = 0; i < n; i++) {
                    events.pipeInput("k" + i, DenseNetwork.toJson(rows[i]));
                }
            }
            for (int i = 0; i < n; i++) {
                String truth = i == 0 ? wrong(argmax(NET.forward(rows[i]))) : CLASSES.get(argmax(NET.forward(rows[i])));
                assertEquals(LabelJoin.Outcome.JOINED, inference.onLabel(("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("\"" + truth + "\"").getBytes(StandardCharsets.UTF_8)), "k" + i);
            }
            LabelJoin.VersionFigures figures = monitor.labels().orElseThrow().figures().values().iterator().next();
            assertEquals(n, figures.joined);
            assertEquals((n - 1) / (double) n, figures.accuracy, 1e-12, "one label of " + n + " disagrees");
            Map<String, Map<String, Double>> psi = monitor.drift().orElseThrow().psi();
            assertFalse(psi.isEmpty(), "the drift monitor saw the version");
            assertTrue(psi.values().iterator().next().size() > 0, "features monitored: " + psi);
        }
    }

    private static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            best = p[i] > p[best] ? i : best;
        }
        return best;
    }

    private static String wrong(int index) {
        return CLASSES.get((index + 1) % CLASSES.size());
    }
}
