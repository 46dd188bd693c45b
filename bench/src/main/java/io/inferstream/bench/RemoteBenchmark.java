package io.inferstream.bench;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelProvider;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.ScratchDirectory;
import io.inferstream.serve.InferenceServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Embed the model or call a model server? The same model and the same engine, side by side in one run on one
 * in-process broker: (1) the model embedded in the engine; (2) the engine calling {@code inferstream serve} over the
 * Open Inference Protocol v2 REST API, one request per batch; (3) the same over gRPC; (4) one request per record,
 * the per-record RPC style of the usual "Kafka Streams + TF Serving" example (the engine's batches are split into
 * single-record calls, everything else unchanged); (5) the same over gRPC. For each row: the maximum rate on a
 * backlog, then produce-to-prediction latency (p50/p99) with records produced open-loop at one common rate (half the
 * slowest row's maximum, so that every row keeps up and the latencies compare).
 *
 * <p>{@code serve} runs in this JVM on 127.0.0.1 (the sidecar's loopback hop without a second process): the engine,
 * the server, the broker and the producer share the machine's cores, as a sidecar on the same host would.
 *
 * <p>Run: {@code bin/bench remote [--records N] [--seconds S] [--only onnx,tensorflow] [--rate R]}.
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class RemoteBenchmark {
    private static final int PARTITIONS = 4;
    private static final int POOL = 256;

    private RemoteBenchmark() {
    }

    /** One row: how the engine reaches the model, and what share of the backlog it scores (per-record RPC is slow). */
    private static final class Row {
        final String label;
        final ModelProvider provider;
        final int divisor;
        double maxRate;
        List<Long> latencies = List.of();

        Row(String label, ModelProvider provider, int divisor) {
            this.label = label;
            this.provider = provider;
            this.divisor = divisor;
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchEngines.options(args);
        // InferenceServer turns Nagle's algorithm off for its REST front end (-Dsun.net.httpserver.nodelay=false
        // on the command line shows the difference: one-request-per-record REST at ~34 records/s instead of ~280).
        int records = Integer.parseInt(opts.getOrDefault("records", "20000"));
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "8"));
        List<String> only = List.of(opts.getOrDefault("only", "onnx").split(","));
        Double fixedRate = opts.containsKey("rate") ? Double.valueOf(opts.get("rate")) : null;
        byte[][] pool = BenchEngines.imageRecords(POOL);
        System.out.printf("Inferstream embed-or-RPC benchmark: %d backlog records, %d s open loop; %d cores, Java %s%n",
                records, seconds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        ModelRegistry registry = ModelRegistry.discover();
        Map<String, List<Row>> results = new LinkedHashMap<>();
        try (ScratchDirectory scratch = ScratchDirectory.create("inferstream-bench-remote");
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            String backlog = "remote-backlog";
            broker.createTopic(backlog, PARTITIONS);
            TimedRecords.produce(broker.bootstrapServers(), backlog, pool, records, 0, null);
            int run = 0;
            for (BenchSubject s : BenchSubject.all()) {
                if (!only.contains(s.name)) {
                    continue;
                }
                ModelSource source = s.maker.make(scratch.path());
                try (InferenceServer server = InferenceServer.builder().host("127.0.0.1").restPort(0).grpcPort(0)
                        .model("mnist", registry.load(source, s.format, Map.of())).start()) {
                    URI rest = URI.create("http://127.0.0.1:" + server.restPort() + "/v2/models/mnist");
                    URI grpc = URI.create("grpc://127.0.0.1:" + server.grpcPort() + "/mnist");
                    List<Row> rows = List.of(
                            new Row("embedded in the engine", () -> registry.load(source, s.format, Map.of()), 1),
                            new Row("engine → serve, v2 REST, one request per batch",
                                    () -> registry.load(ModelSource.of(rest), null, Map.of()), 1),
                            new Row("engine → serve, v2 gRPC, one request per batch",
                                    () -> registry.load(ModelSource.of(grpc), null, Map.of()), 1),
                            new Row("engine → serve, v2 REST, one request per record",
                                    () -> new PerRecordModel(registry.load(ModelSource.of(rest), null, Map.of())), 5),
                            new Row("engine → serve, v2 gRPC, one request per record",
                                    () -> new PerRecordModel(registry.load(ModelSource.of(grpc), null, Map.of())), 5));
                    for (Row row : rows) {
                        row.maxRate = maxRate(broker, backlog, ++run, row, records / row.divisor);
                        System.out.printf("  %s, %s: %,.0f records/s%n", s.name, row.label, row.maxRate);
                    }
                    double rate = fixedRate != null ? fixedRate
                            : 0.5 * rows.stream().mapToDouble(r -> r.maxRate).min().orElseThrow();
                    for (Row row : rows) {
                        row.latencies = TimedRecords.openLoop(BenchBroker.inJvm(broker), "remote-latency-" + (++run), PARTITIONS,
                                Map.of(EngineConfig.MAX_BATCH_SIZE, 50, "producer.linger.ms", 0), row.provider, pool,
                                rate, seconds).latencies();
                        System.out.printf("  %s, %s at %,.0f records/s: %s%n", s.name, row.label, rate,
                                TimedRecords.row("", row.latencies));
                    }
                    System.out.printf("%n%s: open loop at %,.0f records/s; serve's batches: %s%n", s.description, rate,
                            server.stats("mnist"));
                    results.put(s.description + " (open loop at " + Math.round(rate) + " records/s)", rows);
                }
            }
        }
        System.out.println();
        System.out.println("| model | path | records/s (backlog) | p50 ms | p99 ms |");
        System.out.println("|---|---|---:|---:|---:|");
        results.forEach((model, rows) -> {
            for (Row r : rows) {
                System.out.printf("| %s | %s | %,.0f | %s | %s |%n", model, r.label, r.maxRate,
                        percentile(r.latencies, 0.50), percentile(r.latencies, 0.99));
            }
        });
        System.exit(0);
    }

    private static String percentile(List<Long> latencies, double q) {
        if (latencies.isEmpty()) {
            return "–";
        }
        List<Long> sorted = new ArrayList<>(latencies);
        sorted.sort(null);
        return Long.toString(sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size()))));
    }

    private static double maxRate(EmbeddedKafkaBroker broker, String backlog, int run, Row row, int n)
            throws Exception {
        Map<String, Object> p = BenchEngines.properties(broker, backlog, "remote-max-" + run, PARTITIONS, Map.of());
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(p), row.provider)) {
            EngineMetrics m = engine.metrics();
            while (m.recordsIn() == 0) {
                Thread.sleep(1);
            }
            long t0 = System.nanoTime();
            while (m.predictionsOut() < n) {
                if (engine.failure().isPresent()) {
                    throw new IllegalStateException(row.label + " failed", engine.failure().get());
                }
                Thread.sleep(5);
            }
            return m.predictionsOut() / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
