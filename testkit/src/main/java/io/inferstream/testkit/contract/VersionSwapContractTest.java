package io.inferstream.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.RoutingSpec;
import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.engine.ModelSources;
import io.inferstream.model.ModelRegistry;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hot-swap contract every adapter passes: two versions of a model, each written by the framework itself, are
 * published to a Kafka model topic (chunked, as {@code inferstream publish-model} does); the engine serves version 1,
 * then swaps to version 2 while records flow, then rolls back. Every record is scored exactly once, and every
 * prediction equals what the version it carries must predict, by a reference independent of the adapter.
 *
 * <p>Subclasses write each version in their format and give the records and each version's expected outputs:
 * {@link HotSwapContractTest} does so with two dense networks (the tensor formats); a tree format gives two of its
 * boosters and the framework's own predictions, or a plain-Java walk of the trees, as each one's reference.
 *
 * <p>Thread safety: a JUnit test; not for concurrent use.
 */
public abstract class VersionSwapContractTest {
    /** Records scored: a third by version 1, a third by version 2, a third by version 1 again. */
    protected static final int ROWS = 600;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    protected Path tempDir;

    /**
     * Writes model version {@code version} (1 or 2) in this adapter's format under {@code dir} (a file, or a folder
     * such as a SavedModel, which the publisher zips) and returns its path.
     */
    protected abstract Path writeVersion(int version, Path dir) throws Exception;

    /** @return the format id to publish with. */
    protected abstract String format();

    /** @return the JSON record for row {@code row}, 0 to {@link #ROWS} − 1. */
    protected abstract String record(int row);

    /** @return what version {@code version} must predict for row {@code row} in output {@link #outputName()}. */
    protected abstract double[] expected(int version, int row) throws Exception;

    /** @return extra engine properties (input mapping, loader options), if the format needs them. */
    protected Map<String, String> engineProperties() {
        return Map.of();
    }

    /** @return the output compared with {@link #expected}. */
    protected String outputName() {
        return "probabilities";
    }

    /** @return the largest difference allowed between a prediction and {@link #expected}. */
    protected double tolerance() {
        return 1e-5;
    }

    @Test
    void swapsVersionsWhileRecordsFlowAndEachPredictionMatchesItsVersion() throws Exception {
        String suffix = getClass().getSimpleName().toLowerCase();
        String in = "swap-in-" + suffix;
        String out = "swap-out-" + suffix;
        String models = "swap-models-" + suffix;
        KAFKA.broker().createTopic(in, 2);
        KAFKA.broker().createTopic(out, 2);
        KAFKA.broker().createTopic("swap-dlt-" + suffix, 1);
        Map<String, Object> clients = Map.of("bootstrap.servers", KAFKA.broker().bootstrapServers());
        try (ModelPublisher publisher = new ModelPublisher(clients, models)) {
            publisher.ensureTopic(Duration.ofSeconds(30));
            publisher.publish("net", "1", writeVersion(1, tempDir.resolve("v1")), format(), 16 * 1024);
        }
        Map<String, Object> props = new java.util.HashMap<>(engineProperties());
        props.put(EngineConfig.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        props.put(EngineConfig.GROUP_ID, "swap-" + suffix);
        props.put(EngineConfig.INPUT_TOPICS, in);
        props.put(EngineConfig.OUTPUT_TOPIC, out);
        props.put(EngineConfig.DEAD_LETTER_TOPIC, "swap-dlt-" + suffix);
        props.put(EngineConfig.MODEL_TOPIC, models);
        props.put(EngineConfig.MODEL_NAME, "net");
        props.put(EngineConfig.WORKER_THREADS, 2);
        EngineConfig config = new EngineConfig(props);
        try (InferenceEngine engine = InferenceEngine.start(config,
                ModelSources.fromConfig(config, ModelRegistry.discover(), tempDir))) {
            produce(in, 0, ROWS / 3);
            awaitScored(engine, ROWS / 3);
            try (ModelPublisher publisher = new ModelPublisher(clients, models)) {
                publisher.publish("net", "2", writeVersion(2, tempDir.resolve("v2")), format(), 16 * 1024);
                publisher.route("net", RoutingSpec.single("2"));
                awaitVersion(engine, "2");
                produce(in, ROWS / 3, 2 * ROWS / 3);
                awaitScored(engine, 2 * ROWS / 3);
                publisher.route("net", RoutingSpec.single("1"));
                awaitVersion(engine, "1");
            }
            produce(in, 2 * ROWS / 3, ROWS);
            awaitScored(engine, ROWS);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "engine failed: " + engine.failure());
            assertEquals(2, engine.deployments().swaps());
        }
        Map<String, Integer> perVersion = new TreeMap<>();
        boolean[] seen = new boolean[ROWS];
        for (ConsumerRecord<byte[], byte[]> r : KafkaRecords.consumeBytes(KAFKA.broker(), out, ROWS,
                Duration.ofSeconds(60))) {
            PredictionJson p = PredictionJson.parse(r.value());
            int i = Integer.parseInt(p.key().substring(4));
            assertTrue(!seen[i], "row " + i + " scored twice");
            seen[i] = true;
            String expectedVersion = i < ROWS / 3 || i >= 2 * ROWS / 3 ? "1" : "2";
            assertEquals(expectedVersion, p.version(), "row " + i);
            double[] want = expected(Integer.parseInt(expectedVersion), i);
            double[] got = p.numbers(outputName());
            for (int c = 0; c < want.length; c++) {
                assertEquals(want[c], got[c], tolerance(), "row " + i + " class " + c + " of version " + p.version());
            }
            perVersion.merge(p.version(), 1, Integer::sum);
        }
        assertEquals(Map.of("1", 2 * ROWS / 3, "2", ROWS / 3), perVersion);
    }

    private void produce(String topic, int from, int to) {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("row-" + i, record(i)));
        }
        KafkaRecords.produceStrings(KAFKA.broker(), topic, records);
    }

    private static void awaitScored(InferenceEngine engine, long n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (engine.metrics().predictionsOut() + engine.metrics().deadLetters() < n) {
            assertTrue(System.currentTimeMillis() < deadline && engine.failure().isEmpty(),
                    () -> "scored " + engine.metrics() + " of " + n + "; failure " + engine.failure());
            Thread.sleep(20);
        }
    }

    private static void awaitVersion(InferenceEngine engine, String version) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (!version.equals(engine.modelInfo().version())) {
            assertTrue(System.currentTimeMillis() < deadline, "version " + version + " never served");
            Thread.sleep(20);
        }
    }
}
