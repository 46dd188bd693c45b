package io.inferstream.pmml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.contract.PredictionJson;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * The logistic-regression document served by the real engine on a real broker: JSON records with categorical text,
 * missing fields (replaced by the document) and values JPMML rejects. Every good record gets the plain-Java
 * probability; every rejected one lands on the dead-letter topic at the predict stage with JPMML's own message,
 * and the rest of its batch is still scored.
 */
class PmmlKafkaDeadLetterTest {
    private static final int RECORDS = 120;

    @TempDir
    Path dir;

    /** Records 5, 17, 29, ... are bad, in turn: an unknown colour, an age that is not a number, no age at all. */
    private static String record(int i) {
        String[] colours = {"red", "green", "blue"};
        int age = 20 + i % 50;
        String colour = colours[i % 3];
        if (i % 12 == 5) {
            switch ((i / 12) % 3) {
                case 0: return "{\"age\":" + age + ",\"income\":12.5,\"colour\":\"purple\"}";
                case 1: return "{\"age\":\"old\",\"income\":12.5,\"colour\":\"" + colour + "\"}";
                default: return "{\"income\":12.5,\"colour\":\"" + colour + "\"}";
            }
        }
        // Every fourth good record leaves income out: the document replaces it by 40.
        return i % 4 == 0 ? "{\"age\":" + age + ",\"colour\":\"" + colour + "\"}"
                : "{\"age\":" + age + ",\"income\":" + (i * 0.5 + 0.25) + ",\"colour\":\"" + colour + "\",\"ignored\":[1,2]}";
    }

    private static double expectedPYes(int i) {
        double c = new double[] {0.5, -0.3, 0.0}[i % 3];
        double income = i % 4 == 0 ? 40 : i * 0.5 + 0.25;
        double z = -1.5 + 0.04 * (20 + i % 50) + 0.02 * income + c;
        return 1 / (1 + Math.exp(-z));
    }

    private static String expectedError(int i) {
        switch ((i / 12) % 3) {
            case 0: return "purple";
            case 1: return "\"old\"";
            default: return "missing inputs [age]";
        }
    }

    @Test
    void rejectedRecordsGoToTheDeadLetterTopicWithJpmmlsMessageAndTheRestAreScored() throws Exception {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        int bad = 0;
        for (int i = 0; i < RECORDS; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("r-" + i, record(i)));
            bad += i % 12 == 5 ? 1 : 0;
        }
        ModelSource source = ModelSource.of(PmmlFixtures.write(dir, "approval.pmml", PmmlFixtures.logisticRegression()));
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopic("approvals", 2);
            broker.createTopic("decisions", 2);
            broker.createTopic("rejected", 1);
            KafkaRecords.produceStrings(broker, "approvals", records);
            Map<String, Object> p = new HashMap<>();
            p.put(EngineConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            p.put(EngineConfig.GROUP_ID, "pmml-dlt");
            p.put(EngineConfig.INPUT_TOPICS, "approvals");
            p.put(EngineConfig.OUTPUT_TOPIC, "decisions");
            p.put(EngineConfig.DEAD_LETTER_TOPIC, "rejected");
            p.put(EngineConfig.MAX_BATCH_SIZE, 32);
            p.put(EngineConfig.WORKER_THREADS, 2);
            ModelRegistry registry = ModelRegistry.discover();
            List<ConsumerRecord<byte[], byte[]>> out;
            List<ConsumerRecord<byte[], byte[]>> dead;
            try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(p), () -> registry.load(source, null, Map.of()))) {
                out = KafkaRecords.consumeBytes(broker, "decisions", RECORDS - bad, Duration.ofSeconds(60));
                dead = KafkaRecords.consumeBytes(broker, "rejected", bad, Duration.ofSeconds(60));
                assertEquals(EngineState.RUNNING, engine.state(), () -> "engine failed: " + engine.failure());
            }
            assertEquals(RECORDS - bad, out.size());
            for (ConsumerRecord<byte[], byte[]> r : out) {
                PredictionJson json = PredictionJson.parse(r.value());
                int i = Integer.parseInt(json.key().substring(2));
                assertTrue(i % 12 != 5, "record " + i + " should have been rejected");
                assertEquals(expectedPYes(i), json.probabilities().get("yes"), 1e-12, "record " + i);
                assertEquals(expectedPYes(i), json.numbers("p_yes")[0], 1e-12, "record " + i);
                assertEquals(expectedPYes(i) > 0.5 ? "yes" : "no", json.label(), "record " + i);
                assertEquals("approval", json.model());
                assertEquals("3", json.version());
            }
            assertEquals(bad, dead.size());
            for (ConsumerRecord<byte[], byte[]> r : dead) {
                int i = Integer.parseInt(new String(r.key(), StandardCharsets.UTF_8).substring(2));
                String message = header(r, DeadLetterHeaders.ERROR_MESSAGE);
                assertEquals(5, i % 12, "record " + i + " is good but was rejected: " + message);
                assertEquals(DeadLetterHeaders.STAGE_PREDICT, header(r, DeadLetterHeaders.STAGE), "record " + i);
                assertTrue(message.contains(expectedError(i)), "record " + i + ": " + message);
                assertEquals(record(i), new String(r.value(), StandardCharsets.UTF_8), "original value kept");
            }
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
