package io.inferstream.bench;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelProvider;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import java.util.List;
import java.util.Map;

/**
 * Open-loop latency on the demo model (ONNX 784→35→10, JSON records): first the engine's maximum while the load
 * generator writes as fast as it can, then records produced at a fixed 50% of that rate, and produce-to-prediction
 * latency (p50/p99/max) read back from the output topic, with the default (throughput) settings and with the latency settings the README recommends.
 *
 * <p>Warm-up is not reported: two passes before the three whose median is the maximum, and one open-loop run of
 * each setting before the first round (a setting's first run used to pay for the JIT and the clients' warm-up, its
 * p99 several times the same setting's later in the run). The settings then alternate for {@code --rounds} rounds,
 * each row printed with its round, so a row can be compared with its neighbours.
 *
 * <p>{@code bin/bench latency} puts the broker's log in memory ({@code /dev/shm}, where it exists): on these virtual
 * machines the disk's writeback stalled the broker, which shares the JVM and the two cores, for hundreds of
 * milliseconds at a time, and that is not the engine's latency (a production broker has disks of its own).
 *
 * <p>The broker runs in a JVM of its own ({@link BrokerProcess}, {@code --broker process}, the default): in one JVM,
 * every collection pause of the broker's heap stopped the engine too, and the broker's allocation (a copy of every
 * record it is sent) made the engine's JVM collect twice as often. {@code --broker jvm} runs it in this JVM as before.
 *
 * <p>Run: {@code bin/bench latency [--seconds 10] [--load 0.5] [--rounds 10] [--only defaults,latency,nolinger,pipe]
 * [--try "key=value,key=value|key=value"] [--broker process|jvm]}: {@code --try} adds a row per list of engine
 * properties.
 * Thread safety: a program, on its main thread.
 */
public final class LatencyBenchmark {
    private static final int PARTITIONS = 4;
    /** The latency setting's batches: its engine's max.batch.size, and the bare copy's polls. */
    private static final int LATENCY_BATCH_SIZE = 50;
    private static final String PIPE_LABEL = "bare copy, no engine (latency setting's clients)";

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
        // Keyed by the short name --only takes.
        Map<String, Map.Entry<String, Map<String, Object>>> all = new java.util.LinkedHashMap<>();
        all.put("defaults", Map.entry("defaults (max.batch.size=500, producer.linger.ms=5)", Map.of()));
        all.put("latency", Map.entry("latency (max.batch.size=50, producer.linger.ms=0)",
                Map.of(EngineConfig.MAX_BATCH_SIZE, LATENCY_BATCH_SIZE, "producer.linger.ms", 0)));
        // For comparison: the latency setting without the engine's consume-side linger (its default
        // fetch.min.bytes=65536 with fetch.max.wait.ms=5), i.e. Kafka's answer-at-once fetches, which at a moderate
        // rate return a record or two per poll.
        all.put("nolinger", Map.entry("latency, no fetch linger (also consumer.fetch.min.bytes=1)",
                Map.of(EngineConfig.MAX_BATCH_SIZE, LATENCY_BATCH_SIZE, "producer.linger.ms", 0, "consumer.fetch.min.bytes", 1)));
        // The floor: the same records at the same rate through a bare consume → produce copy with the latency
        // setting's clients (2 consumers, polls of 50, the engine's fetch linger, no producer linger), no decoding,
        // no model. Whatever p99 this row shows, the broker, the clients and the generator on these cores cost.
        all.put("pipe", Map.entry(PIPE_LABEL, Map.of("consumer.fetch.min.bytes", 65_536,
                "consumer.fetch.max.wait.ms", 5, "producer.linger.ms", 0)));
        Map<String, Map<String, Object>> settings = new java.util.LinkedHashMap<>();
        for (String name : opts.containsKey("only") ? List.of(opts.get("only").split(",")) : all.keySet()) {
            Map.Entry<String, Map<String, Object>> setting = all.get(name.trim());
            if (name.isBlank()) {
                continue;
            } else if (setting == null) {
                throw new IllegalArgumentException("--only takes " + all.keySet() + ", not '" + name + "'");
            }
            settings.put(setting.getKey(), setting.getValue());
        }
        // --try "max.batch.size=50,producer.linger.ms=0|consumer.fetch.max.wait.ms=2" adds one row per |-separated
        // list of engine properties: a user's own settings measured beside the built-in ones.
        if (opts.containsKey("try")) {
            for (String list : opts.get("try").split("\\|")) {
                Map<String, Object> props = new java.util.LinkedHashMap<>();
                for (String pair : list.split(",")) {
                    String[] kv = pair.split("=", 2);
                    if (kv.length != 2) {
                        throw new IllegalArgumentException("--try takes key=value pairs, not '" + pair + "'");
                    }
                    props.put(kv[0].trim(), kv[1].trim());
                }
                settings.put("tried (" + list + ")", props);
            }
        }
        // As in PipelineBenchmark: both workers join the group's first generation, so the maximum is not measured
        // across a rebalance.
        Map<String, String> brokerSettings = Map.of("group.initial.rebalance.delay.ms", "1000");
        String where = opts.getOrDefault("broker", "process");
        try (AutoCloseable owned = startBroker(where, brokerSettings)) {
            BenchBroker broker = owned instanceof EmbeddedKafkaBroker
                    ? BenchBroker.inJvm((EmbeddedKafkaBroker) owned) : (BenchBroker) owned;
            System.out.println("Broker " + ("process".equals(where) ? "in a JVM of its own " + BrokerProcess.BROKER_JVM_OPTIONS
                    : "in this JVM") + ", data in " + System.getProperty(EmbeddedKafkaBroker.DATA_PARENT_PROPERTY,
                    System.getProperty("java.io.tmpdir")) + "; this JVM: " + java.lang.management.ManagementFactory
                    .getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("-X"))
                    .collect(java.util.stream.Collectors.joining(" ")));
            ModelProvider provider = () -> registry.load(model, "onnx", Map.of());
            // Two passes warm the JIT of both JVMs (a cold JVM's maximum is 20-40% lower), then the maximum is the
            // median of three: single passes of 3 s varied from 6,800 to 12,200 records/s between runs, and "half"
            // of a low one is an easy load, of a high one a hard one.
            int run = 0;
            maximum(broker, ++run, pool, provider);
            maximum(broker, ++run, pool, provider);
            List<Double> passes = new java.util.ArrayList<>();
            for (int pass = 0; pass < 3; pass++) {
                passes.add(maximum(broker, ++run, pool, provider));
            }
            double max = Stats.of(passes).median();
            System.out.printf("%nEngine maximum with the load generator running, three passes: %s records/s%n",
                    passes.stream().map(v -> String.format("%,.0f", v)).collect(java.util.stream.Collectors.joining(", ")));
            double rate = max * load;
            System.out.printf("Median %,.0f records/s; open loop at %.0f%% of it, %,.0f records/s, for %d s%n%n", max,
                    load * 100, rate, seconds);
            // Not reported: each setting once, see above.
            for (Map.Entry<String, Map<String, Object>> s : settings.entrySet()) {
                openLoop(broker, "latency-warmup-" + (++run), s, provider, pool, rate, seconds);
            }
            System.out.println("| settings | round | p50 ms | p99 ms | max ms | records | records/batch "
                    + "| GC pauses: count / total ms / longest ms |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---|");
            Map<String, List<Long>> p99s = new java.util.LinkedHashMap<>();
            for (int round = 1; round <= rounds; round++) {
                for (Map.Entry<String, Map<String, Object>> s : settings.entrySet()) {
                    TimedRecords.OpenLoopRun r = openLoop(broker, "latency-" + (++run), s, provider, pool, rate,
                            seconds);
                    System.out.println(r.row(s.getKey() + " | " + round));
                    p99s.computeIfAbsent(s.getKey(), k -> new java.util.ArrayList<>()).add(TimedRecords.p99(r.latencies()));
                }
            }
            summarise(p99s);
        }
        System.exit(0);
    }

    /** One open-loop run of a setting: through the engine, or through the bare copy for the pipe row. */
    private static TimedRecords.OpenLoopRun openLoop(BenchBroker broker, String name,
            Map.Entry<String, Map<String, Object>> setting, ModelProvider provider, byte[][] pool, double rate,
            int seconds) throws Exception {
        if (PIPE_LABEL.equals(setting.getKey())) {
            return TimedRecords.openLoopPipe(broker, name, PARTITIONS, setting.getValue(), 2, LATENCY_BATCH_SIZE, pool, rate,
                    seconds);
        }
        return TimedRecords.openLoop(broker, name, PARTITIONS, setting.getValue(), provider, pool, rate, seconds);
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

    /**
     * @return records/s through the engine (default settings) while the load generator writes 30,000 records as fast
     *     as it can: the generator shares the two cores with the engine and the broker in the open-loop runs too, so
     *     a maximum measured on a backlog written beforehand (without it) would put "half" the load well past half
     */
    /**
     * @param where {@code process} (the default: the broker in a JVM of its own, as in production its heap and pauses
     *     are not the engine's) or {@code jvm} (in this JVM, as the throughput benchmark runs it)
     */
    private static AutoCloseable startBroker(String where, Map<String, String> settings) throws java.io.IOException {
        switch (where) {
            case "process":
                return BrokerProcess.start(settings);
            case "jvm":
                return EmbeddedKafkaBroker.start(settings);
            default:
                throw new IllegalArgumentException("--broker takes process or jvm, not '" + where + "'");
        }
    }

    private static double maximum(BenchBroker broker, int run, byte[][] pool, ModelProvider provider)
            throws Exception {
        String input = "latency-maximum-" + run;
        broker.createTopic(input, PARTITIONS);
        int records = 30_000;
        Map<String, Object> p = BenchEngines.properties(broker, input, "latency-out-" + run, PARTITIONS, Map.of());
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(p), provider)) {
            EngineMetrics m = engine.metrics();
            while (m.assignedPartitions() < PARTITIONS) {
                Thread.sleep(1);
            }
            long t0 = System.nanoTime();
            Thread generator = new Thread(() -> TimedRecords.produce(broker.bootstrapServers(), input, pool, records, 0,
                    null), "latency-generator");
            generator.start();
            while (m.predictionsOut() < records) {
                Thread.sleep(5);
            }
            double perSecond = records / ((System.nanoTime() - t0) / 1e9);
            generator.join();
            return perSecond;
        }
    }
}
