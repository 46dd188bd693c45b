package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.deploy.RoutingSpec;
import io.inferstream.deploy.VersionedDirectorySource;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shadow versions to their own child, and a model-wide failure that must forward nothing and drop nothing. */
class ShadowAndFailureTest {
    static final DenseNetwork V1 = DenseNetwork.random(12, 8, 4, 1);
    static final DenseNetwork V2 = DenseNetwork.random(12, 8, 4, 2);

    @TempDir
    Path dir;

    private Topology topology(Inference inference) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<byte[]> bytes = Serdes.ByteArray();
        KStream<byte[], byte[]> scored = builder.stream("events", Consumed.with(bytes, bytes))
                .processValues(inference.processor(), Named.as("inference"));
        for (String child : List.of("predictions", "dead-letters", "shadows")) {
            scored.to(child, Produced.with(bytes, bytes).withName(child));
        }
        return builder.build();
    }

    private TopologyTestDriver driver(Inference inference) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "shadow-and-failure");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        return new TopologyTestDriver(topology(inference), props, Instant.EPOCH);
    }

    @Test
    void aShadowVersionScoresACopyOfTheTrafficToTheShadowChildOnly() throws Exception {
        Path base = dir.resolve("fraud");
        Files.createDirectories(base.resolve("1"));
        Files.createDirectories(base.resolve("2"));
        Files.write(base.resolve("1/model.onnx"), OnnxModelWriter.denseNetwork(V1));
        Files.write(base.resolve("2/model.onnx"), OnnxModelWriter.denseNetwork(V2));
        ModelRegistry registry = ModelRegistry.discover();
        VersionedDirectorySource source = new VersionedDirectorySource(base, "fraud", "all",
                RoutingSpec.parse("1=100", "2", true), Duration.ofMillis(100),
                path -> () -> registry.load(ModelSource.of(path), null, Map.of()));
        float[][] rows = V1.sampleInputs(6, 9);
        try (Inference inference = Inference.start(source, InferenceOptions.builder().maxBatchSize(6)
                .predictionChild("predictions").deadLetterChild("dead-letters").shadowChild("shadows").build());
             TopologyTestDriver driver = driver(inference)) {
            TestInputTopic<String, String> in = driver.createInputTopic("events", new StringSerializer(),
                    new StringSerializer());
            for (int i = 0; i < rows.length; i++) {
                in.pipeInput("k" + i, DenseNetwork.toJson(rows[i]));
            }
            assertScoredBy(read(driver, "predictions"), rows, "1", V1);
            assertScoredBy(read(driver, "shadows"), rows, "2", V2);
            assertTrue(read(driver, "dead-letters").isEmpty());
        }
    }

    private static List<TestRecord<String, String>> read(TopologyTestDriver driver, String topic) {
        return driver.createOutputTopic(topic, new StringDeserializer(), new StringDeserializer()).readRecordsToList();
    }

    private static void assertScoredBy(List<TestRecord<String, String>> out, float[][] rows, String version,
            DenseNetwork net) {
        assertEquals(rows.length, out.size());
        for (int i = 0; i < rows.length; i++) {
            assertEquals("k" + i, out.get(i).key());
            ScoredPrediction p = InferenceSerdes.prediction().deserializer()
                    .deserialize("t", out.get(i).value().getBytes(StandardCharsets.UTF_8));
            assertEquals(version, p.version());
            assertArrayEquals(net.forward(rows[i]), p.numbers("probabilities"), 1e-5);
        }
    }

    @Test
    void aModelThatCannotScoreFailsTheTaskAndKeepsTheBatchBuffered() throws Exception {
        try (Inference inference = Inference.start(ShadowAndFailureTest::failingModel, InferenceOptions.builder()
                .maxBatchSize(3).warmupRecords(0).predictionChild("predictions").deadLetterChild("dead-letters").build());
             TopologyTestDriver driver = driver(inference)) {
            TestInputTopic<String, String> in = driver.createInputTopic("events", new StringSerializer(),
                    new StringSerializer());
            String row = DenseNetwork.toJson(new float[12]);
            in.pipeInput("a", row);
            in.pipeInput("b", row);
            StreamsException e = assertThrows(StreamsException.class, () -> in.pipeInput("c", row));
            assertTrue(messages(e).contains("the model failed on a batch of 3 records"), messages(e));
            assertTrue(read(driver, "predictions").isEmpty(), "nothing forwarded");
            assertTrue(read(driver, "dead-letters").isEmpty(), "a model-wide failure is not a bad record");
            KeyValueStore<Bytes, byte[]> buffer = driver.getKeyValueStore(InferenceOptions.DEFAULT_BUFFER_STORE);
            // Counted through the store's cache too: "c" arrived after the last commit, so it is not logged yet.
            long buffered;
            try (var all = buffer.all()) {
                buffered = java.util.stream.StreamSupport.stream(
                        java.util.Spliterators.spliteratorUnknownSize(all, 0), false).count();
            }
            assertEquals(3, buffered, "the batch stays buffered for the next attempt");
        }
    }

    private static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getMessage()).append(" / ");
        }
        return b.toString();
    }

    /** A model with the networks' signature that throws on every call, as a crashed native runtime would. */
    private static Model failingModel() {
        return new Model() {
            @Override
            public ModelInfo info() {
                return ModelInfo.builder("test").name("broken").input(FieldSpec.tensor("input", DataType.FLOAT, 12))
                        .output(FieldSpec.tensor("probabilities", DataType.FLOAT, 4)).threadSafe(true).build();
            }

            @Override
            public List<Prediction> predict(List<Features> batch) {
                throw new IllegalStateException("native runtime crashed");
            }

            @Override
            public void close() {
            }
        };
    }
}
