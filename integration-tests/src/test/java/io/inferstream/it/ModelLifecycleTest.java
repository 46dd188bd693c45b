package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.kafka.ModelTopicReader;
import io.inferstream.deploy.kafka.ModelTopicState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot swap from a Kafka model topic on a real broker with real ONNX models: nothing lost or scored twice while
 * versions change under load, broken versions rejected while the serving one keeps serving, large models chunked.
 */
class ModelLifecycleTest extends LifecycleTestSupport {
    @TempDir
    Path dir;

    @Test
    void swapsV1ToV2UnderLoadWithoutLosingOrRepeatingARecord() throws Exception {
        Topics topics = new Topics("swap", 4);
        String modelTopic = "models-swap";
        publish(modelTopic, "fraud", "1", onnxFile(dir, "fraud-v1.onnx", V1), "onnx");
        int total = 100_000;
        int chunk = 10_000;
        try (InferenceEngine engine = startFollowing(topicProperties(topics, modelTopic, "fraud"))) {
            for (int from = 0; from < total; from += chunk) {
                produce(topics.input, "k", from, chunk);
                if (from == 3 * chunk) {
                    // Swap mid-stream: some records scored by v1 already, most still to come.
                    awaitAccounted(engine, chunk, 60_000);
                    publish(modelTopic, "fraud", "2", onnxFile(dir, "fraud-v2.onnx", V2), "onnx");
                    route(modelTopic, "fraud", "2=100", null);
                }
            }
            awaitAccounted(engine, total, 120_000);
            assertEquals(1, engine.deployments().swaps(), "one swap: v1 -> v2");
            assertEquals(total, engine.metrics().predictionsOut());
            assertEquals(0, engine.metrics().deadLetters());
        }
        List<ConsumerRecord<byte[], byte[]>> out = KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, total,
                Duration.ofSeconds(60));
        Map<String, PredictionJson> predictions = byKey(out);
        assertEquals(total, predictions.size(), "every key exactly once");
        Map<String, Integer> perVersion = new TreeMap<>();
        Map<Integer, Boolean> sawV2 = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : out) {
            PredictionJson p = PredictionJson.parse(r.value());
            perVersion.merge(p.version(), 1, Integer::sum);
            assertEquals(p.version(), utf8(r.headers().lastHeader("inferstream.model.version").value()));
            if (p.version().equals("2")) {
                sawV2.put(r.partition(), true);
            } else {
                assertEquals("1", p.version());
                assertTrue(!sawV2.getOrDefault(r.partition(), false), "v1 came back on partition " + r.partition());
            }
            int i = Integer.parseInt(p.key().substring(1));
            int from = i / chunk * chunk;
            assertScoredBy(p, rowOf(from, chunk, i));
        }
        assertTrue(perVersion.getOrDefault("1", 0) >= chunk && perVersion.getOrDefault("2", 0) > 0,
                "both versions scored: " + perVersion);
    }

    @Test
    void rejectsBrokenVersionsAndKeepsServing() throws Exception {
        Topics topics = new Topics("reject", 2);
        String modelTopic = "models-reject";
        publish(modelTopic, "fraud", "1", onnxFile(dir, "v1.onnx", V1), "onnx");
        try (InferenceEngine engine = startFollowing(topicProperties(topics, modelTopic, "fraud"))) {
            // 2: not an ONNX file at all
            byte[] garbage = new byte[4096];
            new Random(7).nextBytes(garbage);
            publish(modelTopic, "fraud", "2", Files.write(dir.resolve("v2.onnx"), garbage), "onnx");
            // 3: bytes that do not match the descriptor's checksum (written by hand, as a broken publisher would)
            writeRaw(modelTopic, "fraud/versions/3/chunk/0", OnnxModelWriter_bytes(V3));
            writeRaw(modelTopic, "fraud/versions/3", ("{\"name\":\"fraud\",\"version\":\"3\",\"format\":\"onnx\","
                    + "\"sha256\":\"" + "0".repeat(64) + "\",\"size\":" + OnnxModelWriter_bytes(V3).length
                    + ",\"chunks\":1,\"file\":\"v3.onnx\",\"createdAt\":\"2026-12-02T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8));
            // 4: a real ONNX model published under the wrong format
            publish(modelTopic, "fraud", "4", onnxFile(dir, "v4.onnx", V3), "h2o-mojo");
            // 5: loads, then throws on every batch of its warm-up
            publish(modelTopic, "fraud", "5", Files.write(dir.resolve("v5.boom"), new byte[] {1}), "exploding");
            // 6: a real model whose input the current traffic cannot fill (10 values, traffic has 12)
            publish(modelTopic, "fraud", "6", onnxFile(dir, "v6.onnx", DenseNetwork.random(10, 8, 4, 6)), "onnx");

            int records = 0;
            for (int round = 0; round < 6; round++) {
                produce(topics.input, "r" + round + "-", records, 500);
                records += 500;
                Thread.sleep(300);
            }
            awaitAccounted(engine, records, 60_000);
            await(() -> engine.deployments().rejections() >= 5, 30_000,
                    () -> "rejections: " + engine.deployments().rejections());
            route(modelTopic, "fraud", "1=50,6=50", null);
            produce(topics.input, "after-", records, 500);
            records += 500;
            awaitAccounted(engine, records, 60_000);
            assertEquals(Map.of("1", (long) records), engine.metrics().predictionsByVersion(),
                    "every prediction by version 1");
            assertEquals(0, engine.metrics().deadLetters());
            assertEquals(0, engine.deployments().swaps());
        }
        Map<String, Map<String, Object>> statuses = readStatuses(modelTopic, "fraud");
        assertEquals("LOADED", statuses.get("1").get("state"));
        Map<String, String> reasons = new TreeMap<>();
        for (String v : List.of("2", "3", "4", "5", "6")) {
            assertEquals("REJECTED", statuses.get(v).get("state"), "version " + v + ": " + statuses.get(v));
            reasons.put(v, String.valueOf(statuses.get(v).get("reason")));
        }
        assertTrue(reasons.get("2").startsWith("does not load"), reasons.get("2"));
        assertTrue(reasons.get("3").contains("SHA-256 mismatch"), reasons.get("3"));
        assertTrue(reasons.get("4").startsWith("does not load"), reasons.get("4"));
        assertTrue(reasons.get("5").contains("failed during warm-up") && reasons.get("5").contains("always fails"),
                reasons.get("5"));
        assertTrue(reasons.get("6").contains("does not match the serving version's inputs")
                && reasons.get("6").contains("float[10]"), reasons.get("6"));
        List<ConsumerRecord<byte[], byte[]>> out = KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, 3500,
                Duration.ofSeconds(30));
        out.forEach(r -> assertEquals("1", PredictionJson.parse(r.value()).version()));
    }

    @Test
    void chunkedModelLargerThanOneRecordRoundTripsWithItsChecksum() throws Exception {
        Topics topics = new Topics("large", 1);
        String modelTopic = "models-large";
        DenseNetwork big = DenseNetwork.random(INPUTS, 30_000, 4, 5);
        Path file = onnxFile(dir, "big.onnx", big);
        assertTrue(Files.size(file) > 1_048_576, "larger than Kafka's default record limit: " + Files.size(file));
        publish(modelTopic, "big", "7", file, "onnx");
        Map<String, Object> props = topicProperties(topics, modelTopic, "big");
        try (InferenceEngine engine = startFollowing(props)) {
            produce(topics.input, "b", 0, 200);
            awaitAccounted(engine, 200, 60_000);
            assertEquals(Map.of("7", 200L), engine.metrics().predictionsByVersion());
        }
        for (ConsumerRecord<byte[], byte[]> r : KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, 200,
                Duration.ofSeconds(30))) {
            PredictionJson p = PredictionJson.parse(r.value());
            double[] expected = big.forward(rowOf(0, 200, Integer.parseInt(p.key().substring(1))));
            double[] actual = p.numbers("probabilities");
            for (int c = 0; c < expected.length; c++) {
                assertEquals(expected[c], actual[c], 1e-4);
            }
        }
        props.put(EngineConfig.MODEL_MAX_BYTES, 1_000_000L);
        Exception tooLarge = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> startFollowing(props));
        assertTrue(tooLarge.getMessage().contains("more than model.max.bytes=1000000"), tooLarge.getMessage());
    }

    static byte[] OnnxModelWriter_bytes(DenseNetwork net) {
        return io.inferstream.sandbox.models.OnnxModelWriter.denseNetwork(net);
    }

    static void writeRaw(String topic, String key, byte[] value) {
        KafkaRecords.produceBytes(KAFKA.broker(), topic,
                List.of(new AbstractMap.SimpleEntry<>(key.getBytes(StandardCharsets.UTF_8), value)));
    }

    static Map<String, Map<String, Object>> readStatuses(String topic, String name) {
        return readStatuses(KAFKA.broker(), topic, name);
    }

    /** Reads the model topic as {@code inferstream models} does (over the broker's plain listener). */
    static Map<String, Map<String, Object>> readStatuses(EmbeddedKafkaBroker broker, String topic, String name) {
        ModelTopicState state = new ModelTopicState(ModelTopicState.COUNT_ONLY);
        try (ModelTopicReader reader = new ModelTopicReader(Map.of("bootstrap.servers",
                broker.bootstrapServers()), topic, state)) {
            reader.catchUp(Duration.ofSeconds(30));
        }
        return state.statuses(name);
    }
}
