package io.inferstream.bench;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.monitor.DriftMonitor;
import io.inferstream.monitor.LabelJoin;
import io.inferstream.monitor.ModelMonitor;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.ScratchDirectory;
import io.inferstream.scoring.ScoredBatch;
import io.inferstream.scoring.ScoringPipeline;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What observability and monitoring cost the engine: the same backlog drained end to end (2 workers, one in-process
 * broker) with monitoring off, and on — the metrics endpoint ({@code metrics.port}, scraped every second for
 * {@code /metrics} and {@code /status.json}), a labels topic joined with every prediction
 * ({@code monitor.labels.topic}) and drift ({@code monitor.drift.enabled}) — alternated, best of the rounds. A labels
 * producer writes one label per record during both runs, so the broker does the same work either way; only the
 * monitored run reads them. Prints the table the README quotes.
 *
 * <p>Run: {@code bin/bench monitoring [--records N] [--rounds R] [--only onnx,pmml] [--monitors labels,drift]
 * [--modes off,all]} ({@code --monitors}: which monitors the in-process rows measure; {@code --modes}: the engine runs,
 * e.g. {@code off,metrics,drift,labels,all} to see each part's cost). Thread safety: a program, on
 * its main thread.
 */
public final class MonitoringBenchmark {
    private static final int PARTITIONS = 4;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final int records;
    private final int rounds;
    private final List<String> monitors; // in process: which monitors to measure (labels, drift)
    private final List<BenchSubject> subjects;
    private final ModelRegistry registry = ModelRegistry.discover();
    private final Map<String, Map<String, Double>> best = new LinkedHashMap<>(); // subject -> mode -> records/s
    /** Engine runs: "off", or the parts that are on, "+"-joined (metrics, drift, labels); "all" is every part. */
    private final List<String> modes;
    private final Map<String, double[]> bestInProcess = new LinkedHashMap<>(); // subject -> {off, on}
    private final Map<String, Double> monitorNanos = new LinkedHashMap<>(); // subject -> CPU ns per record, least
    private int topics;

    private MonitoringBenchmark(Map<String, String> opts) {
        records = Integer.parseInt(opts.getOrDefault("records", "30000"));
        rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
        List<String> only = List.of(opts.getOrDefault("only", "onnx,pmml").split(","));
        subjects = BenchSubject.all().stream().filter(s -> only.contains(s.name)).toList();
        monitors = List.of(opts.getOrDefault("monitors", "labels,drift").split(","));
        modes = List.of(opts.getOrDefault("modes", "off,all").split(","));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        try (ScratchDirectory scratch = ScratchDirectory.create("inferstream-monitoring-bench")) {
            new MonitoringBenchmark(opts).run(scratch.path());
        }
        System.exit(0);
    }

    /** Small records move much faster: give them a backlog that lasts about as long. */
    private int recordsOf(BenchSubject s) {
        return BenchSubject.TABULAR.equals(s.payload) ? records * 5 : records;
    }

    private void run(Path scratch) throws Exception {
        System.out.printf("Inferstream monitoring benchmark: 2 workers, best of %d alternated round(s); %d cores, "
                + "Java %s%n", rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        for (BenchSubject s : subjects) {
            inProcess(s, s.maker.make(scratch));
        }
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            Map<String, String> inputs = new HashMap<>();
            for (BenchSubject s : subjects) {
                String input = "monitoring-in-" + s.name.replace('+', '-');
                broker.createTopic(input, PARTITIONS);
                byte[][] pool = PipelineBenchmark.payloads(s.payload);
                produce(broker.bootstrapServers(), input, recordsOf(s), i -> pool[i % pool.length]);
                inputs.put(s.name, input);
            }
            // One untimed drain each first: the broker's and the JIT's warm-up otherwise favours whichever run
            // comes later (rates here rose 3× over the first rounds).
            for (BenchSubject s : subjects) {
                System.out.printf("  %-10s warm-up %,10.0f records/s%n", s.name,
                        drain(broker, s, s.maker.make(scratch), inputs.get(s.name), "all"));
            }
            for (int round = 1; round <= rounds; round++) {
                for (BenchSubject s : subjects) {
                    ModelSource source = s.maker.make(scratch);
                    // Alternate which goes first, so neither always meets a warmer JIT or a quieter machine.
                    List<String> order = new ArrayList<>(modes);
                    if (round % 2 == 0) {
                        java.util.Collections.reverse(order);
                    }
                    for (String mode : order) {
                        double rate = drain(broker, s, source, inputs.get(s.name), mode);
                        best.computeIfAbsent(s.name, k -> new LinkedHashMap<>()).merge(mode, rate, Math::max);
                        System.out.printf("  %-10s monitoring %-22s %,10.0f records/s%n", s.name, mode, rate);
                    }
                }
            }
        }
        System.out.println();
        System.out.println("| model | in process: pipeline, records per CPU second | + label join and drift | on/off "
                + "| monitor's CPU µs a record | engine on the broker: monitoring off (records/s) | on: metrics "
                + "endpoint + labels topic + drift | on/off |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (BenchSubject s : subjects) {
            double[] p = bestInProcess.get(s.name);
            Map<String, Double> b = best.get(s.name);
            System.out.printf("| %s | %,.0f | %,.0f | %.3f | %.2f | %,.0f | %,.0f | %.3f |%n", s.description, p[0],
                    p[1], p[1] / p[0], monitorNanos.get(s.name) / 1000, b.get("off"), b.get("all"),
                    b.get("all") / b.get("off"));
        }
        if (modes.size() > 2) {
            System.out.println();
            System.out.println("| model | " + String.join(" | ", modes) + " |");
            System.out.println("|---|" + "---:|".repeat(modes.size()));
            for (BenchSubject s : subjects) {
                StringBuilder row = new StringBuilder("| " + s.description + " |");
                for (String mode : modes) {
                    row.append(String.format(" %,.0f (%.3f) |", best.get(s.name).get(mode),
                            best.get(s.name).get(mode) / best.get(s.name).get("off")));
                }
                System.out.println(row);
            }
        }
    }

    /**
     * The work monitoring adds to a worker, without the noise of a broker on the same cores: the scoring pipeline
     * on batches of 500 records, with and without handing each scored batch to the label join and drift, alternated,
     * best of the rounds. Keys run through 100,000 distinct ones, so the label join keeps inserting.
     */
    private void inProcess(BenchSubject s, ModelSource source) throws Exception {
        // Only the codec and class labels matter here: no client is made from this configuration.
        Map<String, Object> props = new HashMap<>(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9",
                EngineConfig.GROUP_ID, "in-process", EngineConfig.INPUT_TOPICS, "in", EngineConfig.OUTPUT_TOPIC, "out",
                EngineConfig.DEAD_LETTER_TOPIC, "dlt"));
        if (BenchSubject.IMAGES.equals(s.payload)) {
            props.put(EngineConfig.MODEL_CLASS_LABELS, "0,1,2,3,4,5,6,7,8,9");
        }
        EngineConfig config = new EngineConfig(props);
        DeploymentSettings settings = new DeploymentSettings(1, info -> RecordCodecs.decoder(config, info),
                config.getList(EngineConfig.MODEL_CLASS_LABELS), "", 0, List.of(), false);
        byte[][] pool = PipelineBenchmark.payloads(s.payload);
        List<List<byte[]>> keys = new ArrayList<>();
        for (int b = 0; b < 200; b++) {
            List<byte[]> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                batch.add(("user-" + (b * 500 + i)).getBytes(StandardCharsets.UTF_8));
            }
            keys.add(batch);
        }
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            values.add(pool[i % pool.length]);
        }
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ModelMonitor monitor = new ModelMonitor(monitors.contains("labels")
                ? new LabelJoin(meters, 600_000, 200_000, System::currentTimeMillis) : null,
                monitors.contains("drift") ? new DriftMonitor(meters, 1000, 0.2, null) : null);
        try (DeploymentManager manager = new DeploymentManager(new FixedModelSource("model",
                () -> registry.load(source, s.format, Map.of())), settings, new io.inferstream.deploy.TrafficSample(4))) {
            manager.start(Duration.ofSeconds(60));
            double[] b = bestInProcess.computeIfAbsent(s.name, k -> new double[2]);
            for (int round = 1; round <= rounds; round++) {
                for (boolean on : round % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                    double[] rate = pipelineRate(manager, keys, values, on ? monitor : null);
                    b[on ? 1 : 0] = Math.max(b[on ? 1 : 0], rate[0]);
                    if (on) {
                        monitorNanos.merge(s.name, rate[1], Math::min);
                    }
                    System.out.printf("  %-10s in process, monitoring %-3s %,10.0f records per CPU second%s%n",
                            s.name, on ? "on" : "off", rate[0], on ? String.format(", monitor %.2f µs a record",
                                    rate[1] / 1000) : "");
                }
            }
        }
    }

    /**
     * @return records per second of this thread's CPU time (a machine shared with other work changes wall-clock
     *     rates several-fold from run to run, CPU time far less), and the CPU nanoseconds per record spent in the
     *     monitor alone
     */
    private static double[] pipelineRate(DeploymentManager manager, List<List<byte[]>> keys, List<byte[]> values,
            ModelMonitor monitor) throws Exception {
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        ScoringPipeline<byte[]> pipeline = ScoringPipeline.json(0, 500, 1 << 20, null);
        long records = 0;
        long monitorNanos = 0;
        int batch = 0;
        long cpuStart = cpu.getCurrentThreadCpuTime();
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end) {
            List<byte[]> batchKeys = keys.get(batch++ % keys.size());
            Deployment d = manager.acquire();
            try {
                ScoredBatch<byte[]> result = pipeline.score(d, batchKeys, values);
                if (monitor != null) {
                    long t = cpu.getCurrentThreadCpuTime();
                    monitor.onScored(result);
                    monitorNanos += cpu.getCurrentThreadCpuTime() - t;
                }
            } finally {
                d.release();
            }
            records += values.size();
        }
        return new double[] {records / ((cpu.getCurrentThreadCpuTime() - cpuStart) / 1e9),
                (double) monitorNanos / records};
    }

    /** Drains the backlog with a new group; records/s from the moment the group has formed. */
    private double drain(EmbeddedKafkaBroker broker, BenchSubject s, ModelSource source, String input, String mode)
            throws Exception {
        boolean all = "all".equals(mode);
        int n = recordsOf(s);
        String labels = "monitoring-labels-" + (++topics);
        broker.createTopic(labels, PARTITIONS);
        Map<String, Object> extra = new HashMap<>();
        extra.put(EngineConfig.MAX_BATCH_SIZE, 500);
        if (BenchSubject.IMAGES.equals(s.payload)) {
            extra.put(EngineConfig.MODEL_CLASS_LABELS, "0,1,2,3,4,5,6,7,8,9");
        }
        if (all || mode.contains("metrics")) {
            extra.put(EngineConfig.METRICS_PORT, 0);
        }
        if (all || mode.contains("labels")) {
            extra.put(EngineConfig.MONITOR_LABELS_TOPIC, labels);
        }
        if (all || mode.contains("drift")) {
            extra.put(EngineConfig.MONITOR_DRIFT_ENABLED, true);
        }
        Map<String, Object> props = BenchEngines.properties(broker, input, "monitoring-out-" + topics, PARTITIONS, extra);
        AtomicBoolean done = new AtomicBoolean();
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props), () -> registry.load(source,
                s.format, Map.of()))) {
            EngineMetrics m = engine.metrics();
            Thread labeller = new Thread(() -> produce(broker.bootstrapServers(), labels, n,
                    i -> Integer.toString(i % 10).getBytes(StandardCharsets.UTF_8)), "labels-producer");
            Thread scraper = new Thread(() -> scrape(engine, done), "scraper");
            labeller.start();
            scraper.start();
            while (m.assignedPartitions() < PARTITIONS && m.recordsIn() == 0) {
                Thread.sleep(1);
            }
            long t0 = System.nanoTime();
            while (m.predictionsOut() + m.deadLetters() < n) {
                if (engine.failure().isPresent()) {
                    throw new IllegalStateException("engine failed", engine.failure().get());
                }
                Thread.sleep(5);
            }
            double rate = n / ((System.nanoTime() - t0) / 1e9);
            done.set(true);
            labeller.join();
            scraper.join();
            if (m.deadLetters() > 0) {
                throw new IllegalStateException(s.name + ": " + m.deadLetters() + " unexpected dead letters");
            }
            return rate;
        }
    }

    /** Reads /metrics and /status.json once a second, as a Prometheus and an open status page would. */
    private static void scrape(InferenceEngine engine, AtomicBoolean done) {
        while (!done.get()) {
            engine.metricsPort().ifPresent(port -> {
                for (String path : List.of("/metrics", "/status.json")) {
                    try {
                        HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                                HttpResponse.BodyHandlers.discarding());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Produces {@code n} records keyed {@code r<i>}, as the engine's backlog or as their labels. */
    private static void produce(String bootstrap, String topic, int n, IntFunction<byte[]> value) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, ("r" + i).getBytes(StandardCharsets.UTF_8), value.apply(i)));
            }
            producer.flush();
        }
    }
}
