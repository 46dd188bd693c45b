package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.model.ModelRegistry;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.streams.example.EmbedModelInKafkaStreams;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Hot swap from a model topic on a real broker, with the topology under {@link TopologyTestDriver}. */
class HotSwapOnBrokerTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    @Test
    void aVersionPublishedToTheModelTopicIsSwappedInWithoutARestart() throws Exception {
        DenseNetwork v1 = DenseNetwork.random(12, 8, 4, 101);
        DenseNetwork v2 = DenseNetwork.random(12, 8, 4, 202);
        Map<String, Object> clients = Map.of("bootstrap.servers", KAFKA.broker().bootstrapServers());
        try (ModelPublisher publisher = new ModelPublisher(clients, "models")) {
            publisher.ensureTopic(Duration.ofSeconds(30));
            publisher.publish("fraud", "1", Files.write(dir.resolve("v1.onnx"), OnnxModelWriter.denseNetwork(v1)),
                    "onnx", 64 * 1024);
            try (Inference inference = Inference.fromModelTopic(clients, "models", "fraud", ModelRegistry.discover(),
                    InferenceOptions.builder().maxBatchSize(5).predictionChild("predictions")
                            .deadLetterChild("dead-letters").build())) {
                Properties props = new Properties();
                props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hot-swap");
                props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
                float[][] rows = v1.sampleInputs(10, 3);
                try (TopologyTestDriver driver = new TopologyTestDriver(EmbedModelInKafkaStreams.topology(inference),
                        props, Instant.EPOCH)) {
                    TestInputTopic<String, String> in = driver.createInputTopic("events", new StringSerializer(),
                            new StringSerializer());
                    TestOutputTopic<String, String> out = driver.createOutputTopic("predictions",
                            new StringDeserializer(), new StringDeserializer());
                    for (int i = 0; i < 5; i++) {
                        in.pipeInput("a" + i, DenseNetwork.toJson(rows[i]));
                    }
                    assertScoredBy(out.readRecordsToList(), rows, 0, "1", v1);

                    publisher.publish("fraud", "2", Files.write(dir.resolve("v2.onnx"),
                            OnnxModelWriter.denseNetwork(v2)), "onnx", 64 * 1024);
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (inference.deployments().swaps() < 1 && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertEquals("fraud:2", inference.describe(), "the new version serves");
                    for (int i = 5; i < 10; i++) {
                        in.pipeInput("b" + i, DenseNetwork.toJson(rows[i]));
                    }
                    assertScoredBy(out.readRecordsToList(), rows, 5, "2", v2);
                }
            }
        }
    }

    private static void assertScoredBy(List<TestRecord<String, String>> out, float[][] rows, int from, String version,
            DenseNetwork net) {
        assertEquals(5, out.size());
        var serde = InferenceSerdes.prediction().deserializer();
        for (int i = 0; i < out.size(); i++) {
            ScoredPrediction p = serde.deserialize("p", out.get(i).value().getBytes(StandardCharsets.UTF_8));
            assertEquals(version, p.version());
            assertEquals(version, new String(out.get(i).headers().lastHeader(DeadLetterHeaders.MODEL_VERSION).value(),
                    StandardCharsets.UTF_8));
            assertArrayEquals(net.forward(rows[from + i]), p.numbers("probabilities"), 1e-5);
        }
    }
}
