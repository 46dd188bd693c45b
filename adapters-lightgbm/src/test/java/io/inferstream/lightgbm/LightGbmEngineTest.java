package io.inferstream.lightgbm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.lightgbm.fixtures.LightGbmFixtures;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.contract.PredictionJson;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binary LightGBM model (a categorical feature, missing values) through the engine on a real broker: every row's
 * probability equals the plain-Java walk of the model's trees, and each bad record is dead-lettered with its reason.
 */
class LightGbmEngineTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    @Test
    void scoresRowsLikeTheTreesAndDeadLettersTheBadOnes() throws Exception {
        LightGbmFixtures.Data data = LightGbmFixtures.data("binary", 300, 11);
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < data.x.length; i++) {
            StringBuilder json = new StringBuilder("{");
            for (int j = 0; j < data.names.size(); j++) {
                double v = data.x[i][j];
                json.append(j == 0 ? "" : ", ").append('"').append(data.names.get(j)).append("\": ")
                        .append(Double.isNaN(v) ? "null" : data.categorical[j] ? Long.toString((long) v) : Double.toString(v));
            }
            records.add(new AbstractMap.SimpleImmutableEntry<>("row-" + i, json.append('}').toString()));
        }
        Map<String, String> bad = Map.of(
                "bad-fraction", "{\"age\": 1.5, \"segment\": 2.5}",
                "bad-schema", "{\"customer_age\": 41}",
                "bad-text", "{\"age\": \"forty\"}");
        bad.forEach((k, v) -> records.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
        KAFKA.broker().createTopic("lgb-in", 2);
        KAFKA.broker().createTopic("lgb-out", 2);
        KAFKA.broker().createTopic("lgb-dlt", 1);
        KafkaRecords.produceStrings(KAFKA.broker(), "lgb-in", records);

        Map<String, Object> p = new HashMap<>();
        p.put(EngineConfig.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        p.put(EngineConfig.GROUP_ID, "lgb");
        p.put(EngineConfig.INPUT_TOPICS, "lgb-in");
        p.put(EngineConfig.OUTPUT_TOPIC, "lgb-out");
        p.put(EngineConfig.DEAD_LETTER_TOPIC, "lgb-dlt");
        p.put(EngineConfig.WORKER_THREADS, 2);
        ModelSource source = ModelSource.of(LightGbmFixtures.copyTo("binary", dir));
        List<ConsumerRecord<byte[], byte[]>> out;
        List<ConsumerRecord<byte[], byte[]>> deadLetters;
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(p),
                () -> ModelRegistry.discover().load(source, null, Map.of()))) {
            out = KafkaRecords.consumeBytes(KAFKA.broker(), "lgb-out", data.x.length, Duration.ofSeconds(60));
            deadLetters = KafkaRecords.consumeBytes(KAFKA.broker(), "lgb-dlt", bad.size(), Duration.ofSeconds(60));
            assertEquals(EngineState.RUNNING, engine.state(), () -> "engine failed: " + engine.failure());
        }
        TextModelTreeWalk walk = new TextModelTreeWalk(new String(LightGbmFixtures.bytes("binary"), StandardCharsets.UTF_8));
        boolean[] seen = new boolean[data.x.length];
        for (ConsumerRecord<byte[], byte[]> r : out) {
            PredictionJson pr = PredictionJson.parse(r.value());
            int i = Integer.parseInt(pr.key().substring("row-".length()));
            assertTrue(!seen[i], "row " + i + " twice");
            seen[i] = true;
            assertEquals(walk.predict(data.x[i])[0], pr.probabilities().get("1"), 1e-9, "row " + i);
        }
        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
            reasons.put(new String(r.key(), StandardCharsets.UTF_8), new String(
                    r.headers().lastHeader(DeadLetterHeaders.ERROR_MESSAGE).value(), StandardCharsets.UTF_8));
        }
        assertEquals(bad.keySet(), reasons.keySet(), reasons.toString());
        assertTrue(reasons.get("bad-fraction").contains("segment"), reasons.toString());
        assertTrue(reasons.get("bad-schema").contains("none of the model's 6 features"), reasons.toString());
        assertTrue(reasons.get("bad-text").contains("age"), reasons.toString());
    }
}
