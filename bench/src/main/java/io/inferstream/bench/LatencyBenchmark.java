package io.inferstream.bench;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelProvider;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.testkit.fixtures.DenseNetwork;
import io.inferstream.testkit.kafka.EmbeddedKafkaBroker;
import io.inferstream.testkit.onnx.OnnxModelWriter;
import java.util.List;
import java.util.Map;

/**
 * Open-loop latency on the demo model (ONNX 784→35→10, JSON records): first the engine's maximum on a backlog, then
 * records produced at a fixed 50% of that rate, and produce-to-prediction latency (p50/p99/max) read back from the
 * output topic, with the default (throughput) settings and with the latency settings the README recommends.
 *
 * <p>An unreported open-loop run comes first: whichever setting ran first used to pay for the JIT and the clients'
 * warm-up (its p99 several times the same setting's later in the run). The settings then alternate for
 * {@code --rounds} rounds, each row printed with its round, so a row can be compared with its neighbours.
 *
 * <p>Run: {@code bin/bench latency [--seconds 10] [--load 0.5] [--rounds 10]}. Thread safety: a program, on its main
 * thread.
 */
public final class LatencyBenchmark {
    private static final int PARTITIONS = 4;

    private LatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchEngines.options(args);
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "10"));
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "10"));
        double load = Double.parseDouble(opts.getOrDefault("load", "0.5"));
        DenseNetwork network = DenseNetwork.mnistSized();
        byte[][] pool = BenchEngines.imageRecords(256);
        ModelSource model = ModelSource.of(OnnxModelWriter.denseNetwork(network), "mnist.onnx");
        ModelRegistry registry = ModelRegistry.discover();
        Map<String, Map<String, Object>> settings = new java.util.LinkedHashMap<>();
        settings.put("defaults (max.batch.size=500, producer.linger.ms=5)", Map.of());
        settings.put("latency (max.batch.size=50, producer.linger.ms=0)",
                Map.of(EngineConfig.MAX_BATCH_SIZE, 50, "producer.linger.ms", 0));
        // The worker no longer waits for acknowledgements between polls, so at a moderate load each poll returns a
        // few records; letting the broker gather up to 5 ms of them per fetch trades at most 5 ms for fewer fetches.
        settings.put("latency + fetch (max.batch.size=50, producer.linger.ms=0, consumer.fetch.min.bytes=65536, "
                + "consumer.fetch.max.wait.ms=5)", Map.of(EngineConfig.MAX_BATCH_SIZE, 50, "producer.linger.ms", 0,
                "consumer.fetch.min.bytes", 65536, "consumer.fetch.max.wait.ms", 5));
        // As in PipelineBenchmark: both workers join the group's first generation, so the maximum is not measured
        // across a rebalance.
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Map.of("group.initial.rebalance.delay.ms", "1000"))) {
            String backlog = "latency-backlog";
            broker.createTopic(backlog, PARTITIONS);
            int backlogRecords = 30_000;
            TimedRecords.produce(broker.bootstrapServers(), backlog, pool, backlogRecords, 0, null);
            int run = 0;
            double max;
            Map<String, Object> p = properties(broker, backlog, ++run, Map.of());
            try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(p),
                    () -> registry.load(model, "onnx", Map.of()))) {
                EngineMetrics m = engine.metrics();
                while (m.assignedPartitions() < PARTITIONS && m.recordsIn() == 0) {
                    Thread.sleep(1);
                }
                long t0 = System.nanoTime();
                while (m.predictionsOut() < backlogRecords) {
                    Thread.sleep(5);
                }
                max = backlogRecords / ((System.nanoTime() - t0) / 1e9);
            }
            double rate = max * load;
            System.out.printf("%nEngine maximum on a backlog: %,.0f records/s; open loop at %.0f%% of it, %,.0f records/s, "
                    + "for %d s%n%n", max, load * 100, rate, seconds);
            ModelProvider provider = () -> registry.load(model, "onnx", Map.of());
            // Not reported: see above.
            TimedRecords.openLoop(broker, "latency-warmup", PARTITIONS, settings.values().iterator().next(), provider,
                    pool, rate, seconds);
            System.out.println("| settings | round | p50 ms | p99 ms | max ms | records |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            Map<String, List<Long>> p99s = new java.util.LinkedHashMap<>();
            for (int round = 1; round <= rounds; round++) {
                for (Map.Entry<String, Map<String, Object>> s : settings.entrySet()) {
                    List<Long> latencies = TimedRecords.openLoop(broker, "latency-" + (++run), PARTITIONS, s.getValue(),
                            provider, pool, rate, seconds);
                    System.out.println(TimedRecords.row(s.getKey() + " | " + round, latencies));
                    p99s.computeIfAbsent(s.getKey(), k -> new java.util.ArrayList<>()).add(TimedRecords.p99(latencies));
                }
            }
            summarise(p99s);
        }
        System.exit(0);
    }

    private static void summarise(Map<String, List<Long>> p99s) {
        System.out.println();
        p99s.forEach((setting, values) -> {
            List<Long> sorted = new java.util.ArrayList<>(values);
            java.util.Collections.sort(sorted);
            System.out.printf("%s: p99 ≤ 20 ms in %d of %d rounds; p99 median %d ms (%d–%d)%n", setting,
                    values.stream().filter(v -> v >= 0 && v <= 20).count(), values.size(), sorted.get(sorted.size() / 2),
                    sorted.get(0), sorted.get(sorted.size() - 1));
        });
    }

    private static Map<String, Object> properties(EmbeddedKafkaBroker broker, String input, int run,
            Map<String, Object> extra) {
        return BenchEngines.properties(broker, input, "latency-out-" + run, PARTITIONS, extra);
    }
}
