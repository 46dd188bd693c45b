package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With Kafka Streams' own dead-letter queue configured ({@code errors.dead.letter.queue.topic.name}, KIP-1034), the
 * processor's dead letters carry Streams' {@code __streams.errors.*} headers next to the engine's, with the same
 * values; without it, only the engine's.
 */
class StreamsDeadLetterQueueTest {
    static final DenseNetwork NET = DenseNetwork.random(12, 8, 4, 7);

    @TempDir
    Path dir;

    @Test
    void deadLettersCarryStreamsHeadersWhenItsQueueIsConfigured() throws Exception {
        List<TestRecord<String, String>> letters = deadLetters(true);
        assertEquals(2, letters.size());
        TestRecord<String, String> bad = letters.get(0);
        assertEquals("bad", bad.key());
        assertEquals("{\"input\": [1, 2", bad.value(), "the original value");
        assertEquals(header(bad, DeadLetterHeaders.ERROR_CLASS), header(bad, StreamsDeadLetterHeaders.EXCEPTION));
        assertEquals(header(bad, DeadLetterHeaders.ERROR_MESSAGE), header(bad, StreamsDeadLetterHeaders.MESSAGE));
        assertTrue(header(bad, StreamsDeadLetterHeaders.STACKTRACE).startsWith(header(bad, DeadLetterHeaders.ERROR_CLASS)),
                header(bad, StreamsDeadLetterHeaders.STACKTRACE));
        assertEquals("events", header(bad, StreamsDeadLetterHeaders.TOPIC));
        assertEquals("0", header(bad, StreamsDeadLetterHeaders.PARTITION));
        assertEquals("1", header(bad, StreamsDeadLetterHeaders.OFFSET), "the second record of the topic");
        assertEquals("3", header(letters.get(1), StreamsDeadLetterHeaders.OFFSET));
        assertEquals(header(bad, DeadLetterHeaders.OFFSET), header(bad, StreamsDeadLetterHeaders.OFFSET));
    }

    @Test
    void withoutStreamsQueueOnlyTheEnginesHeaders() throws Exception {
        TestRecord<String, String> bad = deadLetters(false).get(0);
        assertEquals("1", header(bad, DeadLetterHeaders.OFFSET));
        for (Header h : bad.headers()) {
            assertTrue(!h.key().startsWith("__streams."), h.key());
        }
        assertNull(header(bad, StreamsDeadLetterHeaders.EXCEPTION));
    }

    private List<TestRecord<String, String>> deadLetters(boolean streamsQueue) throws Exception {
        Path model = Files.write(dir.resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET));
        ModelRegistry registry = ModelRegistry.discover();
        float[][] rows = NET.sampleInputs(2, 5);
        try (Inference inference = Inference.start(() -> registry.load(ModelSource.of(model), null, Map.of()),
                InferenceOptions.builder().maxBatchSize(4).maxBatchDelay(Duration.ofMillis(100))
                        .predictionChild("predictions").deadLetterChild("dead-letters").build())) {
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dlq-test");
            props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state-" + streamsQueue).toString());
            if (streamsQueue) {
                props.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "dead-letters");
            }
            try (TopologyTestDriver driver = new TopologyTestDriver(EmbedModelInKafkaStreams.topology(inference), props,
                    Instant.EPOCH)) {
                TestInputTopic<String, String> events = driver.createInputTopic("events", new StringSerializer(),
                        new StringSerializer());
                events.pipeInput("k0", DenseNetwork.toJson(rows[0]));
                events.pipeInput("bad", "{\"input\": [1, 2");
                events.pipeInput("k1", DenseNetwork.toJson(rows[1]));
                events.pipeInput("short", "{\"input\": [1.0]}");
                TestOutputTopic<String, String> predictions = driver.createOutputTopic("predictions",
                        new StringDeserializer(), new StringDeserializer());
                List<TestRecord<String, String>> scored = predictions.readRecordsToList();
                assertEquals(2, scored.size(), "the good records are scored in the same batch");
                assertArrayEquals(NET.forward(rows[1]), InferenceSerdes.prediction().deserializer()
                        .deserialize("predictions", scored.get(1).value().getBytes(StandardCharsets.UTF_8))
                        .numbers("probabilities"), 1e-5);
                return driver.createOutputTopic("dead-letters", new StringDeserializer(), new StringDeserializer())
                        .readRecordsToList();
            }
        }
    }

    private static String header(TestRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
