package io.inferstream.xgboost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import io.inferstream.xgboost.fixtures.XgboostFixtures;
import io.inferstream.xgboost.fixtures.XgboostFixtures.Row;
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
 * The old-binary-format XGBoost model, named features by option, through the engine on a real broker: the
 * notebook's rows (missing values as JSON null) come out with XGBoost 1.7.4's own probabilities, and each bad record
 * goes to the dead-letter topic with its reason while the rest are scored.
 */
class XgboostEngineTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    @Test
    void scoresTheNotebooksRowsAndDeadLettersTheBadOnes() throws Exception {
        List<Row> rows = XgboostFixtures.rows("binary");
        ObjectMapper json = new ObjectMapper();
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> x = new HashMap<>();
            for (int j = 0; j < rows.get(i).names.size(); j++) {
                double v = rows.get(i).values[j];
                x.put(rows.get(i).names.get(j), Double.isNaN(v) ? null : v);
            }
            records.add(new AbstractMap.SimpleImmutableEntry<>("row-" + i, json.writeValueAsString(x)));
        }
        Map<String, String> bad = Map.of(
                "bad-text", "{\"age\": \"old\", \"income\": 1.5}",
                "bad-schema", "{\"customer_age\": 41, \"customer_income\": 1.5}",
                "bad-json", "{\"age\": 1.5,");
        bad.forEach((k, v) -> records.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
        KAFKA.broker().createTopic("xgb-in", 2);
        KAFKA.broker().createTopic("xgb-out", 2);
        KAFKA.broker().createTopic("xgb-dlt", 1);
        KafkaRecords.produceStrings(KAFKA.broker(), "xgb-in", records);

        Map<String, Object> p = new HashMap<>();
        p.put(EngineConfig.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        p.put(EngineConfig.GROUP_ID, "xgb");
        p.put(EngineConfig.INPUT_TOPICS, "xgb-in");
        p.put(EngineConfig.OUTPUT_TOPIC, "xgb-out");
        p.put(EngineConfig.DEAD_LETTER_TOPIC, "xgb-dlt");
        p.put(EngineConfig.WORKER_THREADS, 2);
        EngineConfig config = new EngineConfig(p);
        ModelSource source = ModelSource.of(XgboostFixtures.copyTo("binary.bin", dir));
        Map<String, String> options = Map.of(XgboostOptions.FEATURE_NAMES, String.join(",", rows.get(0).names));
        List<ConsumerRecord<byte[], byte[]>> out;
        List<ConsumerRecord<byte[], byte[]>> deadLetters;
        try (InferenceEngine engine = InferenceEngine.start(config,
                () -> ModelRegistry.discover().load(source, null, options))) {
            out = KafkaRecords.consumeBytes(KAFKA.broker(), "xgb-out", rows.size(), Duration.ofSeconds(60));
            deadLetters = KafkaRecords.consumeBytes(KAFKA.broker(), "xgb-dlt", bad.size(), Duration.ofSeconds(60));
            assertEquals(EngineState.RUNNING, engine.state(), () -> "engine failed: " + engine.failure());
        }
        assertEquals(rows.size(), out.size());
        boolean[] seen = new boolean[rows.size()];
        for (ConsumerRecord<byte[], byte[]> r : out) {
            PredictionJson pr = PredictionJson.parse(r.value());
            int i = Integer.parseInt(pr.key().substring("row-".length()));
            assertTrue(!seen[i], "row " + i + " twice");
            seen[i] = true;
            assertEquals(rows.get(i).number("p"), pr.probabilities().get("1"), 1e-6, "row " + i);
            assertEquals(rows.get(i).number("p") > 0.5 ? "1" : "0", pr.label(), "row " + i);
        }
        Map<String, String> reasons = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : deadLetters) {
            Header h = r.headers().lastHeader(DeadLetterHeaders.ERROR_MESSAGE);
            reasons.put(new String(r.key(), StandardCharsets.UTF_8), new String(h.value(), StandardCharsets.UTF_8));
        }
        assertEquals(bad.keySet(), reasons.keySet(), reasons.toString());
        assertTrue(reasons.get("bad-text").contains("age"), reasons.toString());
        assertTrue(reasons.get("bad-schema").contains("none of the model's 6 features"), reasons.toString());
        assertTrue(reasons.get("bad-json").toLowerCase().contains("json"), reasons.toString());
    }
}
