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
import io.inferstream.sandbox.models.DenseNetwork;
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
 * The hot-swap contract every adapter passes: two versions of a small dense network, each written by the
 * framework itself, are published to a Kafka model topic (chunked, as {@code inferstream publish-model} does); the
 * engine serves version 1, then swaps to version 2 while records flow, then rolls back. Every record is scored
 * exactly once, and every prediction equals the plain-Java forward pass of the version it carries.
 *
 * <p>Subclasses write the network in their format. Thread safety: a JUnit test; not for concurrent use.
 */
public abstract class HotSwapContractTest {
    private static final int INPUTS = 6;
    private static final int ROWS = 600;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    protected Path tempDir;

    /**
     * Writes the network in this adapter's format (a file, or a folder such as a SavedModel, which the publisher
     * zips) and returns its path.
     */
    protected abstract Path writeNetwork(DenseNetwork network, Path dir) throws Exception;

    /** @return the format id to publish with. */
    protected abstract String format();

    /** @return extra engine properties (input mapping), if the format needs them. */
    protected Map<String, String> engineProperties() {
        return Map.of();
    }

    @Test
    void swapsVersionsWhileRecordsFlowAndEachPredictionMatchesItsVersion() throws Exception {
        DenseNetwork v1 = DenseNetwork.random(INPUTS, 5, 3, 11);
        DenseNetwork v2 = DenseNetwork.random(INPUTS, 5, 3, 22);
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
            publisher.publish("net", "1", writeNetwork(v1, tempDir.resolve("v1")), format(), 16 * 1024);
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
        float[][] rows = v1.sampleInputs(ROWS, 5);
        try (InferenceEngine engine = InferenceEngine.start(config,
                ModelSources.fromConfig(config, ModelRegistry.discover(), tempDir))) {
            produce(in, rows, 0, ROWS / 3);
            awaitScored(engine, ROWS / 3);
            try (ModelPublisher publisher = new ModelPublisher(clients, models)) {
                publisher.publish("net", "2", writeNetwork(v2, tempDir.resolve("v2")), format(), 16 * 1024);
                publisher.route("net", RoutingSpec.single("2"));
                awaitVersion(engine, "2");
                produce(in, rows, ROWS / 3, 2 * ROWS / 3);
                awaitScored(engine, 2 * ROWS / 3);
                publisher.route("net", RoutingSpec.single("1"));
                awaitVersion(engine, "1");
            }
            produce(in, rows, 2 * ROWS / 3, ROWS);
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
            double[] want = (expectedVersion.equals("1") ? v1 : v2).forward(rows[i]);
            double[] got = p.numbers(outputName());
            for (int c = 0; c < want.length; c++) {
                assertEquals(want[c], got[c], 1e-5, "row " + i + " class " + c + " of version " + p.version());
            }
            perVersion.merge(p.version(), 1, Integer::sum);
        }
        assertEquals(Map.of("1", 2 * ROWS / 3, "2", ROWS / 3), perVersion);
    }

    /** @return the output holding the probabilities. */
    protected String outputName() {
        return "probabilities";
    }

    /** @return the record for one row: by default {@code {"input":[...]}}. */
    protected String toJson(float[] row) {
        return DenseNetwork.toJson(row);
    }

    private void produce(String topic, float[][] rows, int from, int to) {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("row-" + i, toJson(rows[i])));
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
