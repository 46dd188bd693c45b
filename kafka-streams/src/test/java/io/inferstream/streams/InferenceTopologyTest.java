package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.streams.example.EmbedModelInKafkaStreams;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example topology under {@link TopologyTestDriver}, the way users test their own: a real ONNX network, batches
 * by size and by wall-clock time, input order, dead letters with the engine's headers, and the buffer kept in the
 * store until it is scored (so a commit never passes over it), flushed on close.
 */
class InferenceTopologyTest {
    static final DenseNetwork NET = DenseNetwork.random(12, 8, 4, 7);

    @TempDir
    Path dir;

    Inference inference;
    TopologyTestDriver driver;
    TestInputTopic<String, String> events;
    TestOutputTopic<String, String> predictions;
    TestOutputTopic<String, String> deadLetters;
    final float[][] rows = NET.sampleInputs(100, 11);

    @BeforeEach
    void start() throws Exception {
        Path model = Files.write(dir.resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET));
        ModelRegistry registry = ModelRegistry.discover();
        inference = Inference.start(() -> registry.load(ModelSource.of(model), null, Map.of()),
                InferenceOptions.builder().maxBatchSize(10).maxBatchDelay(Duration.ofMillis(200))
                        .predictionChild("predictions").deadLetterChild("dead-letters").build());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "inference-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
        driver = new TopologyTestDriver(EmbedModelInKafkaStreams.topology(inference), props, Instant.EPOCH);
        events = driver.createInputTopic("events", new StringSerializer(), new StringSerializer());
        predictions = driver.createOutputTopic("predictions", new StringDeserializer(), new StringDeserializer());
        deadLetters = driver.createOutputTopic("dead-letters", new StringDeserializer(), new StringDeserializer());
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.close();
        }
        inference.close();
    }

    private void send(int from, int to) {
        for (int i = from; i < to; i++) {
            events.pipeInput("k" + i, DenseNetwork.toJson(rows[i]));
        }
    }

    private KeyValueStore<Bytes, byte[]> buffer() {
        return driver.getKeyValueStore(InferenceOptions.DEFAULT_BUFFER_STORE);
    }

    /** Asserts each prediction in order is the plain-Java forward pass of row {@code from + i}, with model headers. */
    private void assertPredictions(List<TestRecord<String, String>> out, int from) {
        for (int i = 0; i < out.size(); i++) {
            TestRecord<String, String> r = out.get(i);
            assertEquals("k" + (from + i), r.key(), "order kept");
            ScoredPrediction p = InferenceSerdes.prediction().deserializer()
                    .deserialize("predictions", r.value().getBytes(StandardCharsets.UTF_8));
            assertArrayEquals(NET.forward(rows[from + i]), p.numbers("probabilities"), 1e-5, r.key());
            assertEquals("net", header(r, DeadLetterHeaders.MODEL_NAME));
            assertEquals(p.version(), header(r, DeadLetterHeaders.MODEL_VERSION));
        }
    }

    private static String header(TestRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aFullBufferIsScoredInOneCallAndForwardedInOrder() {
        send(0, 9);
        assertTrue(predictions.isEmpty(), "9 of 10: still buffered");
        assertEquals(9, buffer().approximateNumEntries(), "buffered records are in the changelogged store");
        // The driver commits after every input record: what it committed includes the 9 buffer entries.
        TestOutputTopic<byte[], byte[]> changelog = driver.createOutputTopic(
                "inference-test-" + InferenceOptions.DEFAULT_BUFFER_STORE + "-changelog",
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        assertEquals(9, changelog.readRecordsToList().stream().filter(r -> r.value() != null).count());
        send(9, 25);
        List<TestRecord<String, String>> out = predictions.readRecordsToList();
        assertEquals(20, out.size(), "two full batches of 10");
        assertPredictions(out, 0);
        assertEquals(5, buffer().approximateNumEntries(), "scored records leave the store; 5 wait");
        List<TestRecord<byte[], byte[]>> logged = changelog.readRecordsToList();
        assertEquals(20, logged.stream().filter(r -> r.value() == null).count(),
                "a tombstone in the changelog for each scored record");
        // The driver commits after every record, so each record but the one that fills a batch waited across a commit
        // and was logged; records 9 and 19 were scored before any commit and stayed in the store's cache.
        assertEquals(9 + 5, logged.stream().filter(r -> r.value() != null).count(),
                "10-18 and 20-24 logged; 9 and 19 scored before a commit, never logged");
    }

    @Test
    void aPartBufferIsScoredWhenTheBatchDelayPasses() {
        send(0, 3);
        driver.advanceWallClockTime(Duration.ofMillis(100));
        assertTrue(predictions.isEmpty(), "100 ms of 200: still waiting");
        driver.advanceWallClockTime(Duration.ofMillis(100));
        List<TestRecord<String, String>> out = predictions.readRecordsToList();
        assertEquals(3, out.size());
        assertPredictions(out, 0);
        // at_least_once (the driver's default): the entries stay until a commit has acknowledged the outputs (the
        // driver committed after the punctuation); the next punctuation deletes them.
        assertEquals(3, buffer().approximateNumEntries());
        driver.advanceWallClockTime(Duration.ofMillis(200));
        assertEquals(0, buffer().approximateNumEntries());
    }

    @Test
    void badRecordsGoToTheDeadLetterChildWithTheEngineHeadersAndTheRestKeepsOrder() {
        send(0, 4);
        events.pipeInput("bad-json", "{\"input\": [1, 2");
        events.pipeInput("wrong-shape", "{\"input\": [1.0, 2.0]}");
        send(4, 8);
        driver.advanceWallClockTime(Duration.ofMillis(200));

        List<TestRecord<String, String>> out = predictions.readRecordsToList();
        assertEquals(8, out.size());
        assertPredictions(out, 0);
        List<TestRecord<String, String>> dead = deadLetters.readRecordsToList();
        assertEquals(List.of("bad-json", "wrong-shape"), dead.stream().map(TestRecord::key).toList());
        TestRecord<String, String> first = dead.get(0);
        assertEquals("{\"input\": [1, 2", first.value(), "the original value");
        assertEquals("events", header(first, DeadLetterHeaders.TOPIC));
        assertEquals("0", header(first, DeadLetterHeaders.PARTITION));
        assertEquals("4", header(first, DeadLetterHeaders.OFFSET), "its offset in the input topic");
        assertEquals(DeadLetterHeaders.STAGE_DECODE, header(first, DeadLetterHeaders.STAGE));
        assertNotNull(header(first, DeadLetterHeaders.ERROR_CLASS));
        assertNotNull(header(first, DeadLetterHeaders.ERROR_MESSAGE));
        assertEquals("net", header(first, DeadLetterHeaders.MODEL_NAME));
        TestRecord<String, String> second = dead.get(1);
        assertEquals("5", header(second, DeadLetterHeaders.OFFSET));
        assertEquals(DeadLetterHeaders.STAGE_VALIDATE, header(second, DeadLetterHeaders.STAGE));
        assertTrue(header(second, DeadLetterHeaders.ERROR_MESSAGE).contains("input"),
                header(second, DeadLetterHeaders.ERROR_MESSAGE));
    }

    @Test
    void closingTheDriverScoresWhatIsBuffered() {
        send(0, 7);
        assertTrue(predictions.isEmpty());
        driver.close();
        driver = null;
        List<TestRecord<String, String>> out = predictions.readRecordsToList();
        assertEquals(7, out.size(), "flushed on close, before the task's last commit");
        assertPredictions(out, 0);
    }

    @Test
    void thePredictionSerdeReadsAndWritesTheFormat() {
        send(0, 10);
        TestRecord<String, String> r = predictions.readRecord();
        var serde = InferenceSerdes.prediction();
        ScoredPrediction p = serde.deserializer().deserialize("t", r.value().getBytes(StandardCharsets.UTF_8));
        assertEquals("k0", p.key().orElseThrow());
        assertEquals("net", p.model());
        ScoredPrediction again = serde.deserializer().deserialize("t", serde.serializer().serialize("t", p));
        assertEquals(p, again, "write then read gives the same prediction");
        assertEquals(4, p.numbers("probabilities").length);
    }
}
