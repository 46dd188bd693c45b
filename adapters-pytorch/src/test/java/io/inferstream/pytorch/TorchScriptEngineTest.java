package io.inferstream.pytorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.pytorch.fixtures.TorchScriptFixtures;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript module through the engine on a real broker: good records come out with the module's output
 * (2x + 1), and each bad one goes to the dead-letter topic with its reason while its batch goes on: a record the
 * module raises on inside forward (a negative value), a wrong element count, a string for a number, broken JSON.
 */
class TorchScriptEngineTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    @Test
    void scoresGoodRecordsAndDeadLettersEachBadOneWithItsReason() throws Exception {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        int good = 200;
        for (int i = 0; i < good; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("row-" + i, "{\"x\": [" + i + ".25, 0.5]}"));
            if (i == 50) {
                records.add(new AbstractMap.SimpleImmutableEntry<>("bad-raises", "{\"x\": [1.0, -0.5]}"));
                records.add(new AbstractMap.SimpleImmutableEntry<>("bad-size", "{\"x\": [1.0, 2.0, 3.0]}"));
                records.add(new AbstractMap.SimpleImmutableEntry<>("bad-text", "{\"x\": [\"one\", 2.0]}"));
                records.add(new AbstractMap.SimpleImmutableEntry<>("bad-json", "{\"x\": [1.0,"));
            }
        }
        KAFKA.broker().createTopic("torch-in", 2);
        KAFKA.broker().createTopic("torch-out", 2);
        KAFKA.broker().createTopic("torch-dlt", 1);
        KafkaRecords.produceStrings(KAFKA.broker(), "torch-in", records);
        Map<String, Object> p = new HashMap<>();
        p.put(EngineConfig.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        p.put(EngineConfig.GROUP_ID, "torch");
        p.put(EngineConfig.INPUT_TOPICS, "torch-in");
        p.put(EngineConfig.OUTPUT_TOPIC, "torch-out");
        p.put(EngineConfig.DEAD_LETTER_TOPIC, "torch-dlt");
        p.put(EngineConfig.WORKER_THREADS, 2);
        EngineConfig config = new EngineConfig(p);
        ModelSource source = ModelSource.of(TorchScriptFixtures.copyTo("guarded.pt", dir));
        Map<String, String> options = Map.of(TorchScriptOptions.INPUT_SHAPES, "2");
        List<ConsumerRecord<byte[], byte[]>> out;
        List<ConsumerRecord<byte[], byte[]>> deadLetters;
        try (InferenceEngine engine = InferenceEngine.start(config,
                () -> ModelRegistry.discover().load(source, null, options))) {
            out = KafkaRecords.consumeBytes(KAFKA.broker(), "torch-out", good, Duration.ofSeconds(60));
            deadLetters = KafkaRecords.consumeBytes(KAFKA.broker(), "torch-dlt", 4, Duration.ofSeconds(60));
            assertEquals(EngineState.RUNNING, engine.state(), () -> "engine failed: " + engine.failure());
        }
        assertEquals(good, out.size());
        ObjectMapper json = new ObjectMapper();
        boolean[] seen = new boolean[good];
        for (ConsumerRecord<byte[], byte[]> r : out) {
            int i = Integer.parseInt(new String(r.key(), StandardCharsets.UTF_8).substring("row-".length()));
            assertTrue(!seen[i], "row " + i + " twice");
            seen[i] = true;
            JsonNode y = json.readTree(r.value()).findValue("output");
            assertEquals(2 * (i + 0.25) + 1, y.get(0).asDouble(), 1e-4, "row " + i);
            assertEquals(2.0, y.get(1).asDouble(), 1e-6, "row " + i);
        }
        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
            Header h = r.headers().lastHeader(DeadLetterHeaders.ERROR_MESSAGE);
            reasons.put(new String(r.key(), StandardCharsets.UTF_8), new String(h.value(), StandardCharsets.UTF_8));
        }
        assertEquals(4, reasons.size(), reasons.toString());
        assertTrue(reasons.get("bad-raises").contains("negative input"), reasons.toString());
        assertTrue(reasons.get("bad-size").contains("x"), reasons.toString());
        assertTrue(reasons.get("bad-text").contains("x"), reasons.toString());
        assertTrue(reasons.get("bad-json").toLowerCase().contains("json"), reasons.toString());
    }
}
