package io.inferstream.bench;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.deploy.RoutingSpec;
import io.inferstream.deploy.TrafficSample;
import io.inferstream.deploy.VersionedDirectorySource;
import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.engine.ModelSources;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ScratchDirectory;
import io.inferstream.scoring.ScoringPipeline;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The model lifecycle's costs, side by side in one run on one in-process broker with the demo's 784→35→10 network:
 * <ol>
 * <li>the per-batch deployment lookup and routing: end-to-end records/s with a fixed model vs the same network as
 * two versions from a model topic routed 50/50 (every record routed, two model calls per batch), alternated;</li>
 * <li>the latency blip of a swap: at a fixed input rate of half the measured maximum, p99 of produce-to-prediction
 * latency in the 10 s before a swap vs the 10 s around it (measured from record timestamps, not engine counters);</li>
 * <li>100 swaps between two versions (ONNX, then TensorFlow) while records flow: resident memory after the 10th and
 * after the 100th swap, and records unaccounted for.</li>
 * </ol>
 *
 * <p>Run: {@code bin/bench lifecycle [--records N] [--swaps S]}. Thread safety: a program, on its main thread.
 */
public final class LifecycleBenchmark {
    private static final int PARTITIONS = 4;
    private final int records;
    private final int swaps;
    private final ModelRegistry registry = ModelRegistry.discover();
    private final DenseNetwork network = DenseNetwork.mnistSized();
    private final byte[][] pool;
    private int topics;

    private LifecycleBenchmark(Map<String, String> opts) {
        this.records = Integer.parseInt(opts.getOrDefault("records", "30000"));
        this.swaps = Integer.parseInt(opts.getOrDefault("swaps", "100"));
        float[][] rows = network.sampleInputs(256, 7);
        pool = new byte[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            pool[i] = DenseNetwork.toJson(rows[i]).getBytes(StandardCharsets.UTF_8);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchEngines.options(args);
        try (ScratchDirectory scratch = ScratchDirectory.create("inferstream-lifecycle-bench")) {
            new LifecycleBenchmark(opts).run(scratch.path());
        }
        System.exit(0);
    }

    private void run(Path dir) throws Exception {
        System.out.printf("Inferstream lifecycle benchmark: %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        Path onnx = Files.write(dir.resolve("mnist.onnx"), OnnxModelWriter.denseNetwork(network));
        Path tf = SavedModelFixtures.denseNetwork(network, dir.resolve("mnist-tf"));
        inProcessRouting(dir, onnx);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            Map<String, Object> clients = Map.of("bootstrap.servers", bootstrap);
            try (ModelPublisher p = new ModelPublisher(clients, "bench-models")) {
                p.ensureTopic(Duration.ofSeconds(30));
                p.publish("onnx", "1", onnx, "onnx", 512 * 1024);
                p.publish("onnx", "2", onnx, "onnx", 512 * 1024);
                p.publish("tf", "1", tf, "tensorflow", 512 * 1024);
                p.publish("tf", "2", tf, "tensorflow", 512 * 1024);
                p.route("onnx", RoutingSpec.parse("1=50,2=50", "", true));
            }
            String backlog = newTopic(broker);
            TimedRecords.produce(bootstrap, backlog, pool, records, 0, null);
            double fixed = 0;
            double routed = 0;
            for (int round = 0; round < 2; round++) {
                fixed = Math.max(fixed, drain(broker, backlog, new FixedModelSource(onnx.toString(),
                        () -> registry.load(ModelSource.of(onnx), "onnx", Map.of())), Map.of()));
                routed = Math.max(routed, drain(broker, backlog, null, Map.of(EngineConfig.MODEL_TOPIC, "bench-models",
                        EngineConfig.MODEL_NAME, "onnx")));
            }
            System.out.printf("%n| deployment | records/s end to end (best of 2) |%n|---|---:|%n");
            System.out.printf("| fixed model (one version, no routing) | %,.0f |%n", fixed);
            System.out.printf("| model topic, two versions routed 50/50 by key | %,.0f |%n", routed);
            System.out.printf("routed / fixed = %.3f%n", routed / fixed);

            latencyBlip(broker, fixed / 2);
            System.out.printf("%n| model | swaps | RSS after swap 10 | RSS after swap %d | change | records in | accounted | lost |%n"
                    + "|---|---:|---:|---:|---:|---:|---:|---:|%n", swaps);
            swapLoop(broker, "onnx");
            swapLoop(broker, "tf");
        }
    }

    /**
     * The pipeline alone (decode, route, predict, encode), no Kafka: one fixed version vs two versions of the same
     * network routed 50/50 by key, alternated three times, best of each; the cost of the per-batch snapshot and of
     * routing, without the noise of a broker on the same two cores.
     */
    private void inProcessRouting(Path dir, Path onnx) throws Exception {
        Path base = dir.resolve("versions");
        for (String v : List.of("1", "2")) {
            Files.createDirectories(base.resolve(v));
            Files.copy(onnx, base.resolve(v).resolve("mnist.onnx"));
        }
        DeploymentSettings settings = new DeploymentSettings(1, info -> new JsonRecordDecoder(info, Map.of(), false),
                List.of(), "", 0, List.of(), false);
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            keys.add(("user-" + i).getBytes(StandardCharsets.UTF_8));
            values.add(pool[i % pool.length]);
        }
        try (DeploymentManager fixed = new DeploymentManager(new FixedModelSource(onnx.toString(),
                     () -> registry.load(ModelSource.of(onnx), "onnx", Map.of())), settings, new TrafficSample(4));
             DeploymentManager routed = new DeploymentManager(new VersionedDirectorySource(base, "mnist", "all",
                     RoutingSpec.parse("1=50,2=50", "", true), Duration.ofMillis(100),
                     path -> () -> registry.load(ModelSource.of(path), "onnx", Map.of())), settings,
                     new TrafficSample(4))) {
            fixed.start(Duration.ofSeconds(30));
            routed.start(Duration.ofSeconds(30));
            double bestFixed = 0;
            double bestRouted = 0;
            for (int round = 0; round < 3; round++) {
                bestFixed = Math.max(bestFixed, pipelineRate(fixed, keys, values));
                bestRouted = Math.max(bestRouted, pipelineRate(routed, keys, values));
            }
            System.out.printf("%n| scoring pipeline in process, batches of 500 JSON records | records/s (best of 3) |%n"
                    + "|---|---:|%n| one fixed version | %,.0f |%n| two versions routed 50/50 by key | %,.0f |%n"
                    + "routed / fixed in process = %.3f%n", bestFixed, bestRouted, bestRouted / bestFixed);
        }
    }

    private static double pipelineRate(DeploymentManager manager, List<byte[]> keys, List<byte[]> values)
            throws Exception {
        ScoringPipeline<byte[]> pipeline = ScoringPipeline.json(0, 500, 1 << 20, null);
        long records = 0;
        long start = System.nanoTime();
        long end = start + 3_000_000_000L;
        while (System.nanoTime() < end) {
            Deployment d = manager.acquire();
            try {
                pipeline.score(d, keys, values);
            } finally {
                d.release();
            }
            records += values.size();
        }
        return records / ((System.nanoTime() - start) / 1e9);
    }

    private String newTopic(EmbeddedKafkaBroker broker) {
        String t = "lifecycle-" + (++topics);
        broker.createTopic(t, PARTITIONS);
        return t;
    }

    private Map<String, Object> properties(EmbeddedKafkaBroker broker, String input, Map<String, Object> extra) {
        return BenchEngines.properties(broker, input, "lifecycle-" + (++topics), PARTITIONS, extra);
    }

    private InferenceEngine start(Map<String, Object> props, DeploymentSource source) throws Exception {
        EngineConfig config = new EngineConfig(props);
        return InferenceEngine.start(config, source != null ? source : ModelSources.fromConfig(config, registry, Path.of(".")));
    }

    /** Reads the whole backlog with a new group; records/s from the moment the group has formed. */
    private double drain(EmbeddedKafkaBroker broker, String input, DeploymentSource source, Map<String, Object> extra)
            throws Exception {
        try (InferenceEngine engine = start(properties(broker, input, extra), source)) {
            EngineMetrics m = engine.metrics();
            while (m.assignedPartitions() < PARTITIONS && m.recordsIn() == 0) {
                Thread.sleep(1);
            }
            long t0 = System.nanoTime();
            while (m.predictionsOut() + m.deadLetters() < records) {
                Thread.sleep(5);
            }
            return records / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** p99 latency in the 10 s before a swap vs the 10 s around it, at a fixed rate. */
    private void latencyBlip(EmbeddedKafkaBroker broker, double rate) throws Exception {
        String input = newTopic(broker);
        Map<String, Object> props = properties(broker, input, Map.of(EngineConfig.MODEL_TOPIC, "bench-models",
                EngineConfig.MODEL_NAME, "tf"));
        int n = (int) (rate * 25);
        long swapAt;
        try (InferenceEngine engine = start(props, null);
             ModelPublisher publisher = new ModelPublisher(Map.of("bootstrap.servers", broker.bootstrapServers()),
                     "bench-models")) {
            Thread producer = new Thread(() -> TimedRecords.produce(broker.bootstrapServers(), input, pool, n, 0, rate));
            producer.start();
            Thread.sleep(12_000);
            swapAt = System.currentTimeMillis();
            String next = engine.modelInfo().version().equals("1") ? "2" : "1";
            publisher.route("tf", RoutingSpec.single(next));
            producer.join();
            while (engine.metrics().predictionsOut() + engine.metrics().deadLetters() < n) {
                Thread.sleep(5);
            }
        }
        List<Long> before = new ArrayList<>();
        List<Long> around = new ArrayList<>();
        for (long[] sentAndLatency : TimedRecords.latencies(BenchBroker.inJvm(broker), (String) props.get(EngineConfig.OUTPUT_TOPIC),
                PARTITIONS, n)) {
            long sent = sentAndLatency[0];
            if (sent >= swapAt - 10_000 && sent < swapAt) {
                before.add(sentAndLatency[1]);
            } else if (sent >= swapAt - 5_000 && sent < swapAt + 5_000) {
                around.add(sentAndLatency[1]);
            }
        }
        System.out.printf("%n| TensorFlow 784→35→10, %,.0f records/s (half the fixed-model maximum) | p50 ms | p99 ms | max ms | records |%n"
                + "|---|---:|---:|---:|---:|%n", rate);
        System.out.println(TimedRecords.row("10 s before the swap", before));
        System.out.println(TimedRecords.row("5 s either side of the swap", around));
    }

    /** Swaps back and forth while a producer keeps records flowing; RSS after swap 10 and after the last. */
    private void swapLoop(EmbeddedKafkaBroker broker, String model) throws Exception {
        String input = newTopic(broker);
        Map<String, Object> props = properties(broker, input, Map.of(EngineConfig.MODEL_TOPIC, "bench-models",
                EngineConfig.MODEL_NAME, model));
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicLong produced = new AtomicLong();
        long rss10 = 0;
        long rssLast;
        EngineMetrics m;
        try (InferenceEngine engine = start(props, null);
             ModelPublisher publisher = new ModelPublisher(Map.of("bootstrap.servers", broker.bootstrapServers()),
                     "bench-models")) {
            Thread producer = new Thread(() -> {
                while (producing.get()) {
                    TimedRecords.produce(broker.bootstrapServers(), input, pool, 200, (int) produced.get(), null);
                    produced.addAndGet(200);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            producer.start();
            m = engine.metrics();
            for (int s = 1; s <= swaps; s++) {
                String next = engine.modelInfo().version().equals("1") ? "2" : "1";
                publisher.route(model, RoutingSpec.single(next));
                long deadline = System.currentTimeMillis() + 60_000;
                while (!engine.modelInfo().version().equals(next) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(2);
                }
                Thread.sleep(50);
                if (s == 10) {
                    System.gc();
                    rss10 = rssKb();
                }
            }
            producing.set(false);
            producer.join();
            while (m.predictionsOut() + m.deadLetters() < produced.get() && engine.failure().isEmpty()) {
                Thread.sleep(5);
            }
            System.gc();
            rssLast = rssKb();
            System.out.printf("| %s | %d | %,d MB | %,d MB | %+.1f%% | %,d | %,d | %,d |%n", model,
                    engine.deployments().swaps(), rss10 / 1024, rssLast / 1024, 100.0 * (rssLast - rss10) / rss10,
                    produced.get(), m.predictionsOut() + m.deadLetters(),
                    produced.get() - m.predictionsOut() - m.deadLetters());
        }
    }

    private static long rssKb() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
