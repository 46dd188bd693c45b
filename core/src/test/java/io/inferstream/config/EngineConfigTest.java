package io.inferstream.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class EngineConfigTest {
    static Map<String, Object> minimal() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", "127.0.0.1:9092");
        p.put("group.id", "g");
        p.put("input.topics", "in");
        p.put("output.topic", "out");
        p.put("dead.letter.topic", "dlt");
        return p;
    }

    @Test
    void defaultsAndPassThroughPrefixes() {
        Map<String, Object> p = minimal();
        p.put("consumer.fetch.min.bytes", "1024");
        p.put("producer.linger.ms", "20");
        p.put("model.config.version", "7");
        p.put("input.concat.features", "f0, f1,f2");
        EngineConfig c = new EngineConfig(p);
        assertEquals(500, c.getInt(EngineConfig.MAX_BATCH_SIZE));
        assertEquals(1, c.getInt(EngineConfig.WORKER_THREADS));
        assertEquals("json", c.getString(EngineConfig.INPUT_CODEC));
        assertEquals(Map.of("fetch.min.bytes", "1024"), c.consumerOverrides());
        assertEquals(Map.of("linger.ms", "20"), c.producerOverrides());
        assertEquals(Map.of("version", "7"), c.modelOptions());
        assertEquals(Map.of("features", List.of("f0", "f1", "f2")), c.inputConcatenations());
    }

    @Test
    void theCommitIntervalDefaultsByGuaranteeAndATransactionMustNotOutliveItsTimeout() {
        Map<String, Object> p = minimal();
        assertEquals(java.time.Duration.ofSeconds(1), new EngineConfig(p).commitInterval());
        p.put(EngineConfig.PROCESSING_GUARANTEE, EngineConfig.EXACTLY_ONCE);
        assertEquals(java.time.Duration.ofMillis(100), new EngineConfig(p).commitInterval());
        p.put(EngineConfig.COMMIT_INTERVAL_MS, "6000"); // over half of the 10 s transaction timeout set by default
        ConfigException e = assertThrows(ConfigException.class, () -> new EngineConfig(p));
        assertTrue(e.getMessage().contains("commit.interval.ms") && e.getMessage().contains("10000"), e.getMessage());
        p.put("producer.transaction.timeout.ms", "60000");
        assertEquals(java.time.Duration.ofSeconds(6), new EngineConfig(p).commitInterval());
        p.put(EngineConfig.COMMIT_INTERVAL_MS, "-1");
        assertThrows(ConfigException.class, () -> new EngineConfig(p));
    }

    @Test
    void missingRequiredKeyIsNamed() {
        Map<String, Object> p = minimal();
        p.remove("output.topic");
        ConfigException e = assertThrows(ConfigException.class, () -> new EngineConfig(p));
        assertTrue(e.getMessage().contains("output.topic"), e.getMessage());
    }

    @Test
    void unknownKeyIsNamedWithASuggestion() {
        Map<String, Object> p = minimal();
        p.put("max.batch.sise", "10");
        ConfigException e = assertThrows(ConfigException.class, () -> new EngineConfig(p));
        assertTrue(e.getMessage().contains("'max.batch.sise'") && e.getMessage().contains("did you mean 'max.batch.size'"),
                e.getMessage());
    }

    @Test
    void badValuesSayWhatIsAllowed() {
        Map<String, Object> p = minimal();
        p.put("input.codec", "xml");
        ConfigException codec = assertThrows(ConfigException.class, () -> new EngineConfig(p));
        assertTrue(codec.getMessage().contains("input.codec") && codec.getMessage().contains("json"), codec.getMessage());
        p.put("input.codec", "json");
        p.put("worker.threads", "0");
        ConfigException threads = assertThrows(ConfigException.class, () -> new EngineConfig(p));
        assertTrue(threads.getMessage().contains("worker.threads"), threads.getMessage());
        p.put("worker.threads", "two");
        assertThrows(ConfigException.class, () -> new EngineConfig(p));
        p.put("worker.threads", "2");
        p.put("input.codec", "csv");
        ConfigException csv = assertThrows(ConfigException.class, () -> new EngineConfig(p));
        assertTrue(csv.getMessage().contains("input.csv.header"), csv.getMessage());
    }

    @Test
    void retryBackoffDefaultsAndItsMaximumIsNotBelowItsStart() {
        EngineConfig defaults = new EngineConfig(minimal());
        assertEquals(100L, defaults.getLong(EngineConfig.RETRY_BACKOFF_INITIAL_MS));
        assertEquals(10_000L, defaults.getLong(EngineConfig.RETRY_BACKOFF_MAX_MS));
        Map<String, Object> p = minimal();
        p.put(EngineConfig.RETRY_BACKOFF_INITIAL_MS, "500");
        p.put(EngineConfig.RETRY_BACKOFF_MAX_MS, "200");
        ConfigException e = assertThrows(ConfigException.class, () -> new EngineConfig(p));
        assertTrue(e.getMessage().contains("retry.backoff.max.ms"), e.getMessage());
    }

    @Test
    void remoteKeysReachTheLoaderWithTheirPrefixAndOneModelLocationIsAllowed() {
        Map<String, Object> p = minimal();
        p.put("remote.timeout.ms", "750");
        p.put("remote.retries", 3);
        // The remote module declares and checks these keys (its loaders' options): here they only pass through.
        assertEquals(Map.of("remote.timeout.ms", "750", "remote.retries", 3), new EngineConfig(p).remoteOptions());
        p.put(EngineConfig.MODEL_PATH, "model.onnx");
        p.put(EngineConfig.MODEL_URL, "http://127.0.0.1:8000/v2/models/m");
        ConfigException both = assertThrows(ConfigException.class, () -> new EngineConfig(p));
        assertTrue(both.getMessage().contains("model.url"), both.getMessage());
    }

    @Test
    void monitoringIsOffByDefaultWithSaneWindowsAndValidatedValues() {
        EngineConfig defaults = new EngineConfig(minimal());
        assertEquals("", defaults.getString(EngineConfig.MONITOR_LABELS_TOPIC));
        assertEquals(600_000L, defaults.getLong(EngineConfig.MONITOR_WINDOW_MS));
        assertEquals(200_000, defaults.getInt(EngineConfig.MONITOR_PENDING_MAX));
        assertEquals(false, defaults.getBoolean(EngineConfig.MONITOR_DRIFT_ENABLED));
        assertEquals(1000, defaults.getInt(EngineConfig.MONITOR_DRIFT_REFERENCE_RECORDS));
        assertEquals(0.2, defaults.getDouble(EngineConfig.MONITOR_DRIFT_THRESHOLD));
        for (String[] bad : new String[][] {{EngineConfig.MONITOR_WINDOW_MS, "0"},
                {EngineConfig.MONITOR_PENDING_MAX, "0"}, {EngineConfig.MONITOR_DRIFT_REFERENCE_RECORDS, "5"},
                {EngineConfig.MONITOR_DRIFT_THRESHOLD, "-0.1"}}) {
            Map<String, Object> p = minimal();
            p.put(bad[0], bad[1]);
            ConfigException e = assertThrows(ConfigException.class, () -> new EngineConfig(p));
            assertTrue(e.getMessage().contains(bad[0]), e.getMessage());
        }
    }

    @Test
    void markdownReferenceListsEveryKey() {
        String table = EngineConfig.toMarkdownTable();
        for (String key : EngineConfig.definition().names()) {
            assertTrue(table.contains("`" + key + "`"), key);
        }
    }
}
