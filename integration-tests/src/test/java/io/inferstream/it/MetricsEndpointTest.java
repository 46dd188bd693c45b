package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.engine.ModelSources;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.kafka.KafkaRecords;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics.port endpoint on a real broker: /metrics scraped during a run with good and bad records and a swap
 * from the model topic must count exactly what was produced, dead-lettered (by stage) and predicted (by version);
 * /health/ready must follow partition assignment and a model failure.
 */
class MetricsEndpointTest extends LifecycleTestSupport {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A fixed model for the readiness tests, which need no model topic. */
    private final DenseNetwork network = DenseNetwork.random(16, 8, 4, 21);
    private final ModelSource source = onnx(network);
    private final ModelRegistry onnx = ModelRegistry.discover();

    @TempDir
    Path dir;

    private static Map<String, Object> withEndpoint(Topics topics) {
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.METRICS_PORT, 0); // any free port: tests may run side by side
        return props;
    }

    @Test
    void scrapeCountsEveryRecordByStageAndBothVersionsOfASwap() throws Exception {
        Topics topics = new Topics("metrics", 2);
        String modelTopic = "models-metrics";
        publish(modelTopic, "fraud", "1", onnxFile(dir, "fraud-v1.onnx", V1), "onnx");
        Map<String, Object> props = topicProperties(topics, modelTopic, "fraud");
        props.put(EngineConfig.METRICS_PORT, 0);
        EngineConfig config = new EngineConfig(props);
        SimpleMeterRegistry application = new SimpleMeterRegistry();
        int port;
        try (InferenceEngine engine = InferenceEngine.start(config,
                ModelSources.fromConfig(config, registry, Path.of(".")), application)) {
            port = engine.metricsPort().orElseThrow();
            HttpResponse<String> first = get(port, "/health/ready");
            if (first.statusCode() == 503) {
                assertTrue(first.body().contains("partitions"), first.body());
            }
            awaitReady(port);
            assertTrue(engine.metrics().assignedPartitions() > 0);
            assertEquals(200, get(port, "/health/live").statusCode());

            produce(topics.input, "k", 0, 400);
            List<Map.Entry<String, String>> bad = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                bad.add(new AbstractMap.SimpleEntry<>("bad-json-" + i, "hello"));
            }
            for (int i = 0; i < 20; i++) {
                bad.add(new AbstractMap.SimpleEntry<>("bad-length-" + i, "{\"input\":[1,2,3]}"));
            }
            KafkaRecords.produceStrings(KAFKA.broker(), topics.input, bad);
            awaitAccounted(engine, 450, 60_000);

            publish(modelTopic, "fraud", "2", onnxFile(dir, "fraud-v2.onnx", V2), "onnx");
            route(modelTopic, "fraud", "2=100", null);
            await(() -> engine.deployments().swaps() == 1, 60_000, () -> "no swap to version 2");
            produce(topics.input, "k", 400, 300);
            awaitAccounted(engine, 750, 60_000);
            assertEquals(EngineState.RUNNING, engine.state());

            // Kafka client meters are looked for every few seconds: per-partition lag appears once assigned.
            String[] text = {get(port, "/metrics").body()};
            await(() -> {
                try {
                    text[0] = get(port, "/metrics").body();
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
                // Per partition, on whichever worker owns it now (a rebalance moves a partition's sensor).
                return value(text[0], "kafka_consumer_fetch_manager_records_lag", "topic", topics.input,
                        "partition", "0") != null || value(text[0], "kafka_consumer_fetch_manager_records_lag",
                        "topic", topics.input, "partition", "1") != null;
            }, 60_000, () -> "no per-partition records-lag of " + topics.input + " in /metrics");
            String metrics = text[0];
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "metrics-sample.txt"), metrics);

            assertEquals(750.0, value(metrics, "inferstream_records_in_total"));
            assertEquals(400.0, value(metrics, "inferstream_predictions_total", "model", "fraud", "version", "1"));
            assertEquals(300.0, value(metrics, "inferstream_predictions_total", "model", "fraud", "version", "2"));
            assertEquals(30.0, value(metrics, "inferstream_dead_letters_total", "model", "fraud", "stage", "decode",
                    "version", "1"));
            assertEquals(20.0, value(metrics, "inferstream_dead_letters_total", "model", "fraud", "stage", "validate",
                    "version", "1"));
            for (String version : List.of("1", "2")) {
                double predicted = version.equals("1") ? 400 : 300;
                assertEquals(predicted, value(metrics, "inferstream_latency_end_to_end_seconds_count", "model", "fraud",
                        "version", version));
                assertEquals(predicted, value(metrics, "inferstream_latency_processing_seconds_count", "model", "fraud",
                        "version", version));
                assertTrue(value(metrics, "inferstream_model_call_latency_seconds_count", "model", "fraud", "version",
                        version) > 0, "model calls of version " + version);
                assertEquals(predicted, value(metrics, "inferstream_latency_end_to_end_seconds_bucket", "model",
                        "fraud", "version", version, "le", "+Inf"), "percentile histogram of version " + version);
            }
            assertEquals(750.0, value(metrics, "inferstream_batch_size_sum"));
            assertEquals((double) engine.metrics().batches(), value(metrics, "inferstream_batch_size_count"));
            assertEquals(1.0, value(metrics, "inferstream_model_swaps_total"));
            assertEquals(100.0, value(metrics, "inferstream_model_version_weight", "model", "fraud", "version", "2"));
            assertTrue(value(metrics, "jvm_memory_used_bytes", "area", "heap") != null, "JVM memory");
            assertTrue(value(metrics, "inferstream_process_memory_rss_bytes") > 0, "process memory");
            assertTrue(value(metrics, "kafka_producer_record_send_total") != null, "producer client metrics");

            // The application's own registry gets the same engine meters.
            assertEquals(300.0, application.get("inferstream.predictions").tags("version", "2").counter().count());
            assertEquals(30.0, application.get("inferstream.dead.letters").tags("stage", "decode").counter().count());
        }
        assertThrows(ConnectException.class, () -> get(port, "/health/live"), "close() stops the endpoint");
        assertTrue(Search.in(application).name(n -> n.startsWith("inferstream.") || n.startsWith("kafka."))
                .meters().isEmpty(), "closing the engine leaves no meters in the application's registry");
    }

    @Test
    void readyOnceAssignedAndNotReadyAfterAModelFailure() throws Exception {
        Topics topics = new Topics("ready", 2);
        Map<String, Object> props = withEndpoint(topics);
        props.put(EngineConfig.MAX_BATCH_SIZE, 100);
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> new RestartAndFailureTest.FailingAfter(onnx.load(source, "onnx", Map.of()), 2))) {
            int port = engine.metricsPort().orElseThrow();
            awaitReady(port);
            List<Map.Entry<String, String>> records = new ArrayList<>();
            float[][] rows = network.sampleInputs(1_000, 4);
            for (int i = 0; i < rows.length; i++) {
                records.add(new AbstractMap.SimpleEntry<>("k-" + i, DenseNetwork.toJson(rows[i])));
            }
            KafkaRecords.produceStrings(KAFKA.broker(), topics.input, records);
            assertTrue(engine.awaitTermination(Duration.ofSeconds(60)), "a model failure stops the engine");
            assertEquals(EngineState.FAILED, engine.state());

            HttpResponse<String> ready = get(port, "/health/ready");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            assertTrue(ready.body().contains("\"status\":\"DOWN\"") && ready.body().contains("simulated runtime crash"),
                    ready.body());
            assertEquals(200, get(port, "/health/live").statusCode(), "the process still runs");
            assertEquals(200, get(port, "/metrics").statusCode(), "metrics stay readable after a failure");
            assertEquals(404, get(port, "/metrics/other").statusCode());
        }
    }

    @Test
    void notReadyWithoutPartitionsAndReadyOnceTheyAreAssigned() throws Exception {
        // One input partition, two engines in one group: exactly one of them has it, the other must not be ready
        // until the first stops and the partition moves to it.
        Topics topics = new Topics("assign", 1);
        Map<String, Object> props = withEndpoint(topics);
        props.put(EngineConfig.WORKER_THREADS, 1);
        EngineConfig config = new EngineConfig(props);
        try (InferenceEngine a = InferenceEngine.start(config, () -> onnx.load(source, "onnx", Map.of()));
                InferenceEngine b = InferenceEngine.start(config, () -> onnx.load(source, "onnx", Map.of()))) {
            await(() -> a.metrics().assignedPartitions() + b.metrics().assignedPartitions() == 1, 60_000,
                    () -> "the group did not settle");
            InferenceEngine holder = a.metrics().assignedPartitions() == 1 ? a : b;
            InferenceEngine idle = holder == a ? b : a;
            int idlePort = idle.metricsPort().orElseThrow();
            awaitReady(holder.metricsPort().orElseThrow());
            HttpResponse<String> notReady = get(idlePort, "/health/ready");
            assertEquals(503, notReady.statusCode());
            assertTrue(notReady.body().contains("no input partitions are assigned yet"), notReady.body());
            holder.close();
            awaitReady(idlePort);
            assertEquals(1, idle.metrics().assignedPartitions());
        }
    }

    static void awaitReady(int port) throws InterruptedException {
        String[] last = {""};
        await(() -> {
            try {
                HttpResponse<String> r = get(port, "/health/ready");
                last[0] = r.statusCode() + " " + r.body();
                return r.statusCode() == 200;
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }, 60_000, () -> "never ready: " + last[0]);
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * @param labels name, value pairs the series must carry (others may be there too)
     * @return the value of the first series of that name with those labels, or null
     */
    static Double value(String prometheusText, String name, String... labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{(.*)\\})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(prometheusText);
        while (m.find()) {
            String have = m.group(2) == null ? "" : m.group(2);
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) {
                all &= have.contains(labels[i] + "=\"" + labels[i + 1] + "\"");
            }
            if (all) {
                return Double.parseDouble(m.group(3));
            }
        }
        return null;
    }
}
