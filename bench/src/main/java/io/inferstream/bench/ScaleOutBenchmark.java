package io.inferstream.bench;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelProvider;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.fixtures.WaitingModel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scaling out, measured on one in-process broker:
 * <ul>
 *   <li>{@code share}: throughput of a 1-partition topic with 1, 2 and 4 share-group workers against 1 consumer-group
 *       worker (the most a consumer group can use there), for a model whose cost is waiting, not CPU: the real ONNX
 *       network plus a fixed wait per call, as a remote model server's round trip would be ({@code --latency-ms}).
 *       On 2 cores a CPU-bound model cannot show scale-out; a waiting one can.
 *   <li>{@code rebalance}: the pause when an instance joins and when it leaves under a steady load, with the classic
 *       rebalance protocol and with KIP-848's consumer protocol: records produced open loop at {@code --rate} per
 *       second to a 4-partition topic, one engine running throughout, a second one started and later closed; the
 *       worst produce-to-prediction latency of the records sent around each event, read back from the output topic.
 * </ul>
 *
 * <p>{@code bin/bench scale [share|rebalance] [--records N] [--latency-ms L] [--rate R] [--seconds S] [--rounds R]
 * [--engine k=v,...] [--share k=v,...]}: engine properties for every row, or for the share rows only.
 *
 * <p>Thread safety: a program; runs on its main thread.
 */
public final class ScaleOutBenchmark {
    private static final DenseNetwork NETWORK = DenseNetwork.random(16, 8, 4, 5);

    private ScaleOutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 && !args[0].startsWith("--") ? args[0] : "all";
        Map<String, String> opts = BenchEngines.options(what.equals("all") ? args
                : java.util.Arrays.copyOfRange(args, 1, args.length));
        ModelSource source = ModelSource.of(OnnxModelWriter.denseNetwork(NETWORK), "net.onnx");
        ModelRegistry registry = ModelRegistry.discover();
        byte[][] pool = records(1_000);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            if (what.equals("all") || what.equals("share")) {
                shareScaling(broker, registry, source, pool, Integer.parseInt(opts.getOrDefault("records", "3000")),
                        Long.parseLong(opts.getOrDefault("latency-ms", "20")),
                        Integer.parseInt(opts.getOrDefault("rounds", "3")), engineSettings(opts.get("engine")),
                        engineSettings(opts.get("share")));
            }
            if (what.equals("all") || what.equals("rebalance")) {
                rebalancePause(broker, registry, source, pool, Double.parseDouble(opts.getOrDefault("rate", "1000")),
                        Integer.parseInt(opts.getOrDefault("seconds", "20")),
                        Integer.parseInt(opts.getOrDefault("rounds", "3")));
            }
        }
    }

    /** @return engine properties given as {@code --engine key=value,key=value}, added to every row. */
    private static Map<String, Object> engineSettings(String given) {
        Map<String, Object> out = new HashMap<>();
        if (given != null) {
            for (String pair : given.split(",")) {
                String[] kv = pair.split("=", 2);
                out.put(kv[0].trim(), kv[1].trim());
            }
        }
        return out;
    }

    private static byte[][] records(int n) {
        float[][] inputs = NETWORK.sampleInputs(n, 3);
        byte[][] pool = new byte[n][];
        for (int i = 0; i < n; i++) {
            pool[i] = DenseNetwork.toJson(inputs[i]).getBytes(StandardCharsets.UTF_8);
        }
        return pool;
    }

    private static void shareScaling(EmbeddedKafkaBroker broker, ModelRegistry registry, ModelSource source,
            byte[][] pool, int records, long latencyMs, int rounds, Map<String, Object> settings,
            Map<String, Object> shareSettings) throws Exception {
        System.out.printf("%nThroughput of a 1-partition topic, %,d records, model = ONNX + %d ms wait per call, "
                + "batches of up to 50; %d rounds, each row timed from its first prediction%n%n", records, latencyMs,
                rounds);
        System.out.println("| group | workers | round | first prediction after s | records/s after it | x consumer group |");
        System.out.println("|---|---|---:|---:|---:|---:|");
        ModelProvider provider = () -> new WaitingModel(registry.load(source, "onnx", Map.of()), latencyMs);
        int[][] specs = {{0, 1}, {1, 1}, {1, 2}, {1, 4}};
        Map<String, List<Double>> ratios = new java.util.LinkedHashMap<>();
        Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
        int row = 0;
        for (int round = 1; round <= rounds; round++) {
            double base = 0;
            for (int[] spec : specs) {
                boolean share = spec[0] == 1;
                int workers = spec[1];
                double[] measured = shareRow(broker, provider, pool, records, share, workers, settings, shareSettings,
                        row++);
                if (!share) {
                    base = measured[1];
                }
                String label = (share ? "share" : "consumer") + ", " + workers + " worker" + (workers > 1 ? "s" : "");
                rates.computeIfAbsent(label, k -> new ArrayList<>()).add(measured[1]);
                ratios.computeIfAbsent(label, k -> new ArrayList<>()).add(measured[1] / base);
                System.out.printf("| %s | %d | %d | %.1f | %,.0f | %.2f |%n", share ? "share" : "consumer", workers,
                        round, measured[0], measured[1], measured[1] / base);
            }
        }
        System.out.println();
        rates.forEach((label, values) -> System.out.printf("%s: %s records/s, %s x consumer group (median (min–max) of "
                + "%d rounds, ratios within each round)%n", label, Stats.of(values).format("%,.0f"),
                Stats.of(ratios.get(label)).format("%.2f"), values.size()));
    }

    /** @return {seconds to the first prediction, records/s after it} for one row on a fresh 1-partition topic */
    private static double[] shareRow(EmbeddedKafkaBroker broker, ModelProvider provider, byte[][] pool, int records,
            boolean share, int workers, Map<String, Object> settings, Map<String, Object> shareSettings, int row)
            throws Exception {
        String name = "scale-" + (share ? "share" : "consumer") + "-" + workers + "-" + row;
        broker.createTopic(name + "-in", 1);
        TimedRecords.produce(broker.bootstrapServers(), name + "-in", pool, records, 0, null);
        Map<String, Object> extra = new HashMap<>(settings);
        extra.put(EngineConfig.WORKER_THREADS, workers);
        extra.put(EngineConfig.MAX_BATCH_SIZE, 50);
        if (share) {
            extra.putAll(shareSettings);
            extra.put(EngineConfig.GROUP_TYPE, EngineConfig.GROUP_TYPE_SHARE);
        }
        Map<String, Object> props = BenchEngines.properties(broker, name + "-in", name + "-out", 1, extra);
        try (OutputWatch watch = new OutputWatch(broker.bootstrapServers());
                InferenceEngine engine = InferenceEngine.start(new EngineConfig(props), provider)) {
            long start = System.nanoTime();
            Runnable failed = () -> {
                if (engine.failure().isPresent()) {
                    throw new IllegalStateException("the engine failed", engine.failure().get());
                }
            };
            // Timed from the first prediction, not from the start: a share group's first assignment waits for the
            // group's heartbeat interval (group.share.heartbeat.interval.ms, 5 s by default), which on a few thousand
            // records outweighed the scoring itself and made every share row look alike.
            OutputWatch.Sighting first = watch.await(name + "-out", 1, 1, Duration.ofMinutes(5), failed);
            long end = watch.awaitRecords(name + "-out", 1, records, Duration.ofMinutes(5), failed);
            return new double[] {(first.nanos() - start) / 1e9, (records - first.held()) / ((end - first.nanos()) / 1e9)};
        }
    }

    private static void rebalancePause(EmbeddedKafkaBroker broker, ModelRegistry registry, ModelSource source,
            byte[][] pool, double rate, int seconds, int rounds) throws Exception {
        System.out.printf("%nPause when a second instance joins (6 s in) and leaves (7 s later), 4 partitions, 2 workers "
                + "per instance, %.0f records/s open loop for %d s: produce-to-prediction latency (ms); one unreported "
                + "round, then %d, the protocols' order alternating%n%n", rate, seconds, rounds);
        System.out.println("| protocol | round | steady p50 | steady max | join: max | leave: max | records |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        ModelProvider provider = () -> registry.load(source, "onnx", Map.of());
        Map<String, List<Long>> joins = new java.util.TreeMap<>();
        Map<String, List<Long>> leaves = new java.util.TreeMap<>();
        int run = 0;
        for (int round = 0; round <= rounds; round++) {
            List<String> order = round % 2 == 0 ? List.of("classic", "consumer") : List.of("consumer", "classic");
            for (String protocol : order) {
                long[] pauses = rebalanceRun(broker, provider, pool, rate, seconds, protocol, ++run,
                        round == 0 ? null : round);
                if (round > 0) {
                    joins.computeIfAbsent(protocol, k -> new ArrayList<>()).add(pauses[0]);
                    leaves.computeIfAbsent(protocol, k -> new ArrayList<>()).add(pauses[1]);
                }
            }
        }
        System.out.println();
        for (String protocol : joins.keySet()) {
            System.out.printf("%s: worst latency while joining %s ms, after leaving %s ms (median (min–max) of %d rounds)%n",
                    protocol, Stats.of(joins.get(protocol).stream().map(Long::doubleValue).toList()).format("%,.0f"),
                    Stats.of(leaves.get(protocol).stream().map(Long::doubleValue).toList()).format("%,.0f"),
                    joins.get(protocol).size());
        }
    }

    /** @return {join max, leave max} in ms; prints the row unless {@code round} is null (warm-up) */
    private static long[] rebalanceRun(EmbeddedKafkaBroker broker, ModelProvider provider, byte[][] pool, double rate,
            int seconds, String protocol, int run, Integer round) throws Exception {
        String name = "rebalance-" + protocol + "-" + run;
        broker.createTopic(name + "-in", 4);
        Map<String, Object> extra = new HashMap<>();
        extra.put(EngineConfig.CONSUMER_PREFIX + "group.protocol", protocol);
        Map<String, Object> props = BenchEngines.properties(broker, name + "-in", name + "-out", 4, extra);
        EngineConfig config = new EngineConfig(props);
        int n = (int) (rate * seconds);
        long startMs;
        long joinMs;
        long leaveMs;
        try (InferenceEngine first = InferenceEngine.start(config, provider)) {
            while (first.metrics().assignedPartitions() < 4) {
                Thread.sleep(5);
            }
            startMs = System.currentTimeMillis();
            Thread producer = new Thread(() -> TimedRecords.produce(broker.bootstrapServers(), name + "-in", pool,
                    n, 0, rate), "bench-producer");
            producer.start();
            Thread.sleep(6_000);
            joinMs = System.currentTimeMillis();
            InferenceEngine second = InferenceEngine.start(config, provider);
            Thread.sleep(7_000);
            leaveMs = System.currentTimeMillis();
            second.close();
            producer.join();
            while (first.metrics().predictionsOut() + second.metrics().predictionsOut() < n
                    && first.failure().isEmpty()) {
                Thread.sleep(5);
            }
        }
        List<long[]> all = TimedRecords.latencies(BenchBroker.inJvm(broker), name + "-out", 4, n);
        List<Long> steady = new ArrayList<>();
        long joinMax = 0;
        long leaveMax = 0;
        for (long[] r : all) {
            long sent = r[0];
            if (sent >= startMs + 2_000 && sent < joinMs) {
                steady.add(r[1]);
            } else if (sent >= joinMs && sent < leaveMs) {
                joinMax = Math.max(joinMax, r[1]);
            } else if (sent >= leaveMs && sent < leaveMs + 5_000) {
                leaveMax = Math.max(leaveMax, r[1]);
            }
        }
        steady.sort(null);
        if (round != null) {
            System.out.printf("| %s | %d | %d | %d | %d | %d | %,d |%n", protocol, round,
                    steady.isEmpty() ? -1 : steady.get(steady.size() / 2),
                    steady.isEmpty() ? -1 : steady.get(steady.size() - 1), joinMax, leaveMax, all.size());
        }
        return new long[] {joinMax, leaveMax};
    }
}
