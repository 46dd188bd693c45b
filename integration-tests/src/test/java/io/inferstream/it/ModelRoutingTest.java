package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing on a real broker with real ONNX models: weighted and sticky A/B splits, shadow traffic, rollback, a
 * restarted engine and a second instance in the group that come back to the same routing, and a watched folder.
 */
class ModelRoutingTest extends LifecycleTestSupport {
    @TempDir
    Path dir;

    @Test
    void weightedStickySplitShadowAndRollback() throws Exception {
        Topics topics = new Topics("ab", 2);
        String shadowTopic = "ab-shadow";
        KAFKA.broker().createTopic(shadowTopic, 2);
        String modelTopic = "models-ab";
        publish(modelTopic, "fraud", "1", onnxFile(dir, "v1.onnx", V1), "onnx");
        publish(modelTopic, "fraud", "2", onnxFile(dir, "v2.onnx", V2), "onnx");
        publish(modelTopic, "fraud", "3", onnxFile(dir, "v3.onnx", V3), "onnx");
        route(modelTopic, "fraud", "1=80,2=20", "3");
        Map<String, Object> props = topicProperties(topics, modelTopic, "fraud");
        props.put(EngineConfig.SHADOW_TOPIC, shadowTopic);
        int keys = 20_000;
        try (InferenceEngine engine = startFollowing(props)) {
            produce(topics.input, "user-", 0, keys);
            produce(topics.input, "user-", 0, keys); // the same keys again: sticky routing gives the same versions
            awaitAccounted(engine, 2L * keys, 120_000);
            await(() -> engine.metrics().shadowPredictions() == 2L * keys, 30_000,
                    () -> "shadow predictions: " + engine.metrics().shadowPredictions());

            route(modelTopic, "fraud", "1=100", null); // rollback
            await(() -> engine.deployments().peek().get().serving().size() == 1, 30_000, () -> "rollback not applied");
            produce(topics.input, "late-", 0, 1_000);
            awaitAccounted(engine, 2L * keys + 1_000, 60_000);
        }
        List<ConsumerRecord<byte[], byte[]>> out = KafkaRecords.consumeBytes(KAFKA.broker(), topics.output,
                2 * keys + 1_000, Duration.ofSeconds(60));
        Map<String, String> versionOfKey = new HashMap<>();
        int v2 = 0;
        for (ConsumerRecord<byte[], byte[]> r : out) {
            PredictionJson p = PredictionJson.parse(r.value());
            if (p.key().startsWith("late-")) {
                assertEquals("1", p.version(), "after the rollback every record goes to version 1");
                continue;
            }
            assertTrue(p.version().equals("1") || p.version().equals("2"), "version " + p.version() + " on the output");
            assertScoredBy(p, rowOf(0, keys, Integer.parseInt(p.key().substring(5))));
            String before = versionOfKey.putIfAbsent(p.key(), p.version());
            if (before != null) {
                assertEquals(before, p.version(), "key " + p.key() + " changed version with unchanged weights");
            } else if (p.version().equals("2")) {
                v2++;
            }
        }
        assertEquals(keys, versionOfKey.size());
        double share = 100.0 * v2 / keys;
        assertTrue(Math.abs(share - 20) <= 2, "version 2 took " + share + "% of the keys, expected 20 +- 2");

        List<ConsumerRecord<byte[], byte[]>> shadow = KafkaRecords.consumeBytes(KAFKA.broker(), shadowTopic, 2 * keys,
                Duration.ofSeconds(60));
        for (ConsumerRecord<byte[], byte[]> r : shadow) {
            PredictionJson p = PredictionJson.parse(r.value());
            assertEquals("3", p.version());
            assertScoredBy(p, rowOf(0, keys, Integer.parseInt(p.key().substring(5))));
        }
    }

    @Test
    void aSwapUnderExactlyOnceLeavesEveryRecordScoredOnceForReadCommittedReaders() throws Exception {
        Topics topics = new Topics("eos-swap", 2);
        String modelTopic = "models-eos";
        publish(modelTopic, "fraud", "1", onnxFile(dir, "v1.onnx", V1), "onnx");
        Map<String, Object> props = topicProperties(topics, modelTopic, "fraud");
        props.put(EngineConfig.PROCESSING_GUARANTEE, EngineConfig.EXACTLY_ONCE);
        int records = 6_000;
        try (InferenceEngine engine = startFollowing(props)) {
            produce(topics.input, "e", 0, records / 2);
            awaitAccounted(engine, records / 2, 60_000);
            publish(modelTopic, "fraud", "2", onnxFile(dir, "v2.onnx", V2), "onnx");
            await(() -> "2".equals(engine.modelInfo().version()), 60_000, () -> "version 2 not served");
            produce(topics.input, "e", records / 2, records / 2);
            awaitAccounted(engine, records, 60_000);
            assertEquals(1, engine.deployments().swaps());
        }
        Map<String, Object> readCommitted = KAFKA.broker().consumerConfig(null);
        readCommitted.put("isolation.level", "read_committed");
        Map<String, String> versionOfKey = new HashMap<>();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(readCommitted)) {
            List<org.apache.kafka.common.TopicPartition> partitions = List.of(
                    new org.apache.kafka.common.TopicPartition(topics.output, 0),
                    new org.apache.kafka.common.TopicPartition(topics.output, 1));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (versionOfKey.size() < records && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    PredictionJson p = PredictionJson.parse(r.value());
                    int i = Integer.parseInt(p.key().substring(1));
                    assertScoredBy(p, rowOf(i < records / 2 ? 0 : records / 2, records / 2, i));
                    assertEquals(null, versionOfKey.put(p.key(), p.version()), "key " + p.key() + " seen twice");
                }
            }
        }
        assertEquals(records, versionOfKey.size(), "every record once");
        for (Map.Entry<String, String> e : versionOfKey.entrySet()) {
            int i = Integer.parseInt(e.getKey().substring(1));
            assertEquals(i < records / 2 ? "1" : "2", e.getValue(), "record " + e.getKey());
        }
    }

    @Test
    void restartedEngineAndSecondInstanceServeThePublishedRouting() throws Exception {
        Topics topics = new Topics("restart", 4);
        String modelTopic = "models-restart";
        publish(modelTopic, "fraud", "1", onnxFile(dir, "v1.onnx", V1), "onnx");
        publish(modelTopic, "fraud", "2", onnxFile(dir, "v2.onnx", V2), "onnx");
        route(modelTopic, "fraud", "1=50,2=50", null);
        Map<String, Object> props = topicProperties(topics, modelTopic, "fraud");
        props.put(EngineConfig.WORKER_THREADS, 1);
        try (InferenceEngine first = startFollowing(props)) {
            produce(topics.input, "key-", 0, 2_000);
            awaitAccounted(first, 2_000, 60_000);
        }
        try (InferenceEngine a = startFollowing(props); InferenceEngine b = startFollowing(props)) {
            assertEquals(a.deployments().peek().get().routing(), b.deployments().peek().get().routing());
            assertEquals("weights 1=50,2=50", a.deployments().peek().get().routing().toString());
            await(() -> a.metrics().assignedPartitions() > 0 && b.metrics().assignedPartitions() > 0
                    && a.metrics().assignedPartitions() + b.metrics().assignedPartitions() == 4, 60_000,
                    () -> "group did not settle: " + a.metrics().assignedPartitions() + " + "
                            + b.metrics().assignedPartitions());
            produce(topics.input, "key-", 0, 2_000);
            await(() -> a.metrics().predictionsOut() + b.metrics().predictionsOut() >= 2_000, 60_000,
                    () -> "second run: " + a.metrics() + " / " + b.metrics());
            assertTrue(a.metrics().predictionsOut() > 0 && b.metrics().predictionsOut() > 0,
                    "both instances took partitions: " + a.metrics() + " / " + b.metrics());
        }
        Map<String, String> versionOfKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, 4_000,
                Duration.ofSeconds(60))) {
            PredictionJson p = PredictionJson.parse(r.value());
            String before = versionOfKey.putIfAbsent(p.key(), p.version());
            if (before != null) {
                assertEquals(before, p.version(), "key " + p.key() + " scored by another version after the restart");
            }
        }
        assertEquals(2_000, versionOfKey.size());
    }

    @Test
    void watchedFolderServesTheNewestCompleteVersionAndSkipsHalfCopiedOnes() throws Exception {
        Topics topics = new Topics("folder", 1);
        Path base = dir.resolve("fraud");
        onnxFile(base.resolve("1"), "model.onnx", V1);
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.MODEL_PATH, base.toString());
        props.put(EngineConfig.MODEL_POLL_INTERVAL_MS, 500L);
        try (InferenceEngine engine = startFollowing(props)) {
            assertEquals("fraud", engine.modelInfo().name());
            assertEquals("1", engine.modelInfo().version());
            // Version 2 arrives the safe way: copied under another name, then renamed.
            onnxFile(base.resolve("2.tmp"), "model.onnx", V2);
            Files.move(base.resolve("2.tmp"), base.resolve("2"), StandardCopyOption.ATOMIC_MOVE);
            await(() -> "2".equals(engine.modelInfo().version()), 30_000, () -> "version 2 not served");
            // Version 3 is written slowly in place: it must not be tried until its content stops changing.
            byte[] v3 = io.inferstream.sandbox.models.OnnxModelWriter.denseNetwork(V3);
            Path v3File = Files.createDirectories(base.resolve("3")).resolve("model.onnx");
            // Ten writes a scan interval: only a stall of two whole intervals could make a partial file look done.
            int step = v3.length / 30 + 1;
            for (int from = 0; from < v3.length; from += step) {
                Files.write(v3File, java.util.Arrays.copyOf(v3, Math.min(v3.length, from + step)));
                Thread.sleep(50);
                assertEquals(0, engine.deployments().rejections(), "a half-written version was tried");
            }
            await(() -> "3".equals(engine.modelInfo().version()), 30_000, () -> "version 3 not served");
            produce(topics.input, "f", 0, 300);
            awaitAccounted(engine, 300, 60_000);
            assertEquals(Map.of("3", 300L), engine.metrics().predictionsByVersion());
            assertEquals(0, engine.deployments().rejections());
        }
        for (ConsumerRecord<byte[], byte[]> r : KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, 300,
                Duration.ofSeconds(30))) {
            PredictionJson p = PredictionJson.parse(r.value());
            assertEquals("fraud", p.model());
            assertScoredBy(p, rowOf(0, 300, Integer.parseInt(p.key().substring(1))));
        }
    }
}
