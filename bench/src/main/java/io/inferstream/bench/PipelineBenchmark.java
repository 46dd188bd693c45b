package io.inferstream.bench;

import io.inferstream.codec.Float32RecordDecoder;
import io.inferstream.codec.JsonPredictionEncoder;
import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.ScratchDirectory;
import io.inferstream.scoring.RecordScorer;
import io.inferstream.scoring.ScoredRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Measures, side by side in one run on one in-process broker, for each framework's model
 * ({@link BenchSubject}): (a) in-process batched inference and (a1) one call per row; (b) the raw Kafka
 * consume→produce pipe for the same payload; (c) the engine end to end; (d) the same engine calling the model once
 * per record (same polls, same commits); (e) a Kafka Streams app with the batching processor and (f) one calling the model
 * once per record in {@code mapValues} ({@link StreamsBench}). Prints Markdown tables with the ratios the README quotes.
 *
 * <p>Run: {@code bin/bench [--records N] [--workers W] [--batch-size B] [--rounds R] [--seconds S] [--only a,b]
 * [--streams false]}.
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class PipelineBenchmark {
    private static final int PARTITIONS = 4;
    private static final int POOL = 256;
    private static final List<String> PAYLOADS = List.of(BenchSubject.IMAGES, BenchSubject.FLOATS, BenchSubject.TABULAR);

    private final int records;
    private final int workers;
    private final int batchSize;
    private final int rounds;
    private final double seconds;
    private final List<BenchSubject> subjects;
    /** Whether to run the Kafka Streams rows (e) and (f) too; {@code --streams false} skips them. */
    private final boolean withStreams;
    private final Map<String, byte[][]> pools = new HashMap<>();
    private final Map<String, Integer> recordsPerPayload = new HashMap<>();
    private final ModelRegistry registry = ModelRegistry.discover();
    private final int warmUpRounds;
    private final long seed;
    /** {@code --rows b,c}: only these end-to-end rows (for profiling one of them); null: all. */
    private final List<String> onlyRows;
    /** Bytes allocated on the Java heap per record by (p), decode → predict → encode, per subject. */
    private final Map<String, Double> allocatedPerRecord = new HashMap<>();
    /** Every measurement of a row ("onnx c"), in round order. */
    private final Map<String, List<Double>> measured = new LinkedHashMap<>();
    /** The rows of each measured round: ratios are taken between rows of the same round, side by side. */
    private final Map<Integer, Map<String, Double>> perRound = new java.util.TreeMap<>();
    /** End-to-end rows: each round's measured span, for what it cost the machine. */
    private final Map<String, List<Window>> windows = new HashMap<>();
    /** The row measured last, for the line of the next one. */
    private String previousRow = "none";

    private PipelineBenchmark(Map<String, String> opts) {
        this.records = Integer.parseInt(opts.getOrDefault("records", "50000"));
        this.workers = Integer.parseInt(opts.getOrDefault("workers", "2"));
        this.batchSize = Integer.parseInt(opts.getOrDefault("batch-size", "500"));
        this.rounds = Integer.parseInt(opts.getOrDefault("rounds", "3"));
        this.warmUpRounds = Integer.parseInt(opts.getOrDefault("warm-up-rounds", "1"));
        this.seed = Long.parseLong(opts.getOrDefault("seed", "1"));
        this.onlyRows = opts.containsKey("rows") ? List.of(opts.get("rows").split(",")) : null;
        this.seconds = Double.parseDouble(opts.getOrDefault("seconds", "3"));
        List<String> only = opts.containsKey("only") ? List.of(opts.get("only").split(",")) : null;
        this.subjects = BenchSubject.all().stream().filter(s -> only == null || only.contains(s.name)).toList();
        this.withStreams = Boolean.parseBoolean(opts.getOrDefault("streams", "true"));
        PAYLOADS.forEach(p -> pools.put(p, payloads(p)));
        recordsPerPayload.put(BenchSubject.IMAGES, records);
        // Small records move ~10× faster through Kafka: give them a backlog that lasts about as long (a few seconds
        // a row), so that the start of a run (the group forming, the first fetches) is a small part of it.
        recordsPerPayload.put(BenchSubject.TABULAR, records * 10);
        recordsPerPayload.put(BenchSubject.FLOATS, records * 3);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchEngines.options(args);
        try (ScratchDirectory scratch = ScratchDirectory.create("inferstream-bench")) {
            new PipelineBenchmark(opts).run(scratch.path());
        }
        System.exit(0);
    }

    /** @return the benchmark's pool of record values of a payload kind ({@link BenchSubject#IMAGES}, ...). */
    static byte[][] payloads(String payload) {
        switch (payload) {
            case BenchSubject.IMAGES: return BenchEngines.imageRecords(POOL);
            case BenchSubject.FLOATS: return floatPayloads();
            case BenchSubject.TABULAR: return tabularPayloads();
            default: throw new IllegalArgumentException("unknown payload " + payload);
        }
    }

    private static byte[][] floatPayloads() {
        float[][] inputs = DenseNetwork.mnistSized().sampleInputs(POOL, 7);
        byte[][] pool = new byte[POOL][];
        for (int i = 0; i < POOL; i++) {
            pool[i] = Float32RecordDecoder.encode(inputs[i]);
        }
        return pool;
    }

    private static RecordDecoder decoder(String payload, ModelInfo info) {
        return BenchSubject.FLOATS.equals(payload) ? new Float32RecordDecoder(info, false)
                : new JsonRecordDecoder(info, Map.of(), false);
    }

    private static byte[][] tabularPayloads() {
        Random r = new Random(8);
        byte[][] pool = new byte[POOL][];
        for (int i = 0; i < POOL; i++) {
            StringBuilder sb = new StringBuilder("{");
            for (int j = 0; j < 10; j++) {
                sb.append(j == 0 ? "" : ",").append("\"f").append(j).append("\":").append(Math.round(r.nextGaussian() * 1024) / 1024.0);
            }
            pool[i] = sb.append('}').toString().getBytes(StandardCharsets.UTF_8);
        }
        return pool;
    }

    private Model load(BenchSubject s, ModelSource source) throws ModelLoadException {
        return registry.load(source, s.format, Map.of());
    }

    private void run(Path scratch) throws Exception {
        System.out.printf("Inferstream pipeline benchmark: %d worker(s), batches of %d, %d warm-up round(s) then %d "
                + "measured round(s), each model's rows back to back, blocks and rows shuffled per round (seed %d); %d cores, Java %s%n", workers, batchSize,
                warmUpRounds, rounds, seed, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        Map<String, ModelSource> sources = new LinkedHashMap<>();
        for (BenchSubject s : subjects) {
            sources.put(s.name, s.maker.make(scratch));
            onWorkerThread(() -> inProcess(s, sources.get(s.name)));
        }
        // Every app here starts its members at once: a second's delay lets them join the group's first generation
        // together, instead of one member starting alone and a rebalance landing at a random point of the run
        // (a tabular run lasts about a second, so that alone moved single figures by 3×).
        // A deleted row's files go at once rather than after Kafka's default minute (see deleteOutputs).
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(Map.of("group.initial.rebalance.delay.ms", "1000",
                "log.segment.delete.delay.ms", "1000"))) {
            String bootstrap = broker.bootstrapServers();
            for (String payload : PAYLOADS) {
                if (subjects.stream().anyMatch(s -> s.payload.equals(payload))) {
                    broker.createTopic(inputTopic(payload), PARTITIONS);
                    produceBacklog(bootstrap, payload);
                }
            }
            StreamsBench streams = new StreamsBench(bootstrap, scratch.resolve("streams"), workers, batchSize,
                    PARTITIONS);
            List<Row> rows = rows(broker, streams, sources).stream()
                    .filter(r -> onlyRows == null || onlyRows.contains(r.key.substring(r.key.lastIndexOf(' ') + 1)))
                    .toList();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                for (int round = 1 - warmUpRounds; round <= rounds; round++) {
                    measureRound(round, shuffledInBlocks(rows, new Random(seed + round)), admin);
                }
            }
        }
        printTable();
    }

    /**
     * The round's order: each model's rows (c, d, e, f) in a block, and each payload's raw pipe (b) a block of its
     * own; the blocks shuffled, and the rows within each block. The ratios are taken between rows of one block (c/d,
     * c/f, e/c), so those rows run back to back, and a drift of the machine over a round (another process, the
     * JIT settling) lands on both sides of a ratio rather than on one.
     */
    private static List<Row> shuffledInBlocks(List<Row> rows, Random random) {
        Map<String, List<Row>> blocks = new LinkedHashMap<>();
        for (Row row : rows) {
            blocks.computeIfAbsent(row.key.substring(0, row.key.lastIndexOf(' ')), k -> new ArrayList<>()).add(row);
        }
        List<List<Row>> order = new ArrayList<>(blocks.values());
        Collections.shuffle(order, random);
        List<Row> flat = new ArrayList<>();
        for (List<Row> block : order) {
            List<Row> shuffled = new ArrayList<>(block);
            Collections.shuffle(shuffled, random);
            flat.addAll(shuffled);
        }
        return flat;
    }

    private void measureRound(int round, List<Row> order, Admin admin) throws Exception {
        String label = round <= 0 ? "warm-up" : "round " + round;
        for (Row row : order) {
            Window window = row.run.measure();
            deleteOutputs(admin);
            double rate = window.rate();
            // What the row cost the whole process, and which row ran just before it: a row that leaves work behind
            // (a collector's debt, files to delete) shows up in the row after it.
            System.out.printf("  %-8s %-16s %,12.0f rows/s  %5.2f µs CPU/record on %4.2f cores, %s, %s, after %s%n",
                    label, row.key, rate, window.cpuMicrosPerRecord(), window.coresBusy(), window.gc(), window.jit(),
                    previousRow);
            previousRow = row.key;
            if (round > 0) {
                measured.computeIfAbsent(row.key, k -> new ArrayList<>()).add(rate);
                windows.computeIfAbsent(row.key, k -> new ArrayList<>()).add(window);
                perRound.computeIfAbsent(round, k -> new HashMap<>()).put(row.key, rate);
            }
        }
    }

    /**
     * Deletes every topic but the input backlogs once a row is measured: its outputs, dead letters and a Streams
     * app's internal topics. A run writes several GB of outputs; kept, they fill the broker's disk (bin/bench puts it
     * in memory, /dev/shm, where the machine has one) and its page cache for the rows that follow.
     */
    private static void deleteOutputs(Admin admin) throws Exception {
        List<String> outputs = admin.listTopics().names().get().stream()
                .filter(t -> !t.startsWith("bench-in-"))
                .toList();
        if (!outputs.isEmpty()) {
            admin.deleteTopics(outputs).all().get();
        }
    }

    /** One measured row of a round: its key ("onnx c", "images b", ...) and how to measure it once. */
    private record Row(String key, Measurement run) {
    }

    /** One end-to-end run on a fresh output topic and consumer group. */
    @FunctionalInterface
    private interface Measurement {
        Window measure() throws Exception;
    }

    /** @return every end-to-end row: (b) per payload; (c), (d), (e), (f) per subject. */
    private List<Row> rows(EmbeddedKafkaBroker broker, StreamsBench streams, Map<String, ModelSource> sources) {
        AtomicLong topics = new AtomicLong();
        java.util.function.Supplier<String> freshOutput = () -> {
            String out = "bench-out-" + topics.incrementAndGet();
            broker.createTopic(out, PARTITIONS);
            broker.createTopic(out + "-dlt", 1);
            return out;
        };
        String bootstrap = broker.bootstrapServers();
        List<Row> rows = new ArrayList<>();
        for (String payload : PAYLOADS) {
            if (subjects.stream().anyMatch(s -> s.payload.equals(payload))) {
                rows.add(new Row(payload + " b", () -> {
                    String out = freshOutput.get();
                    return rawPipe(bootstrap, payload, out, "raw-" + out);
                }));
            }
        }
        for (BenchSubject s : subjects) {
            ModelSource source = sources.get(s.name);
            int n = recordsPerPayload.get(s.payload);
            for (boolean perRecord : new boolean[] {false, true}) {
                rows.add(new Row(s.name + (perRecord ? " d" : " c"), () -> {
                    String out = freshOutput.get();
                    return engine(bootstrap, s, source, out, "engine-" + out, perRecord);
                }));
            }
            if (withStreams) {
                rows.add(new Row(s.name + " e", () -> streams.batched(() -> load(s, source),
                        info -> decoder(s.payload, info), inputTopic(s.payload), freshOutput.get(), n)));
                rows.add(new Row(s.name + " f", () -> streams.perRecord(() -> load(s, source),
                        info -> decoder(s.payload, info), inputTopic(s.payload), freshOutput.get(), n)));
            }
        }
        return rows;
    }

    private static String inputTopic(String payload) {
        return "bench-in-" + payload;
    }

    /** Records an in-process figure (measured twice, alternated, before the broker starts). */
    private void record(String key, double rowsPerSecond) {
        measured.computeIfAbsent(key, k -> new ArrayList<>()).add(rowsPerSecond);
        System.out.printf("  %-16s %,12.0f rows/s%n", key, rowsPerSecond);
    }

    /**
     * Runs in-process measurements on a fresh thread, as the engine's workers are: ND4J, for one, runs several
     * times slower on the JVM's main thread.
     */
    private static void onWorkerThread(Work work) throws Exception {
        Exception[] failure = new Exception[1];
        Thread t = new Thread(() -> {
            try {
                work.run();
            } catch (Exception e) {
                failure[0] = e;
            }
        }, "bench-in-process");
        t.start();
        t.join();
        if (failure[0] != null) {
            throw failure[0];
        }
    }

    /** (a), (a1) and the decoder alone: no Kafka at all. */
    private void inProcess(BenchSubject s, ModelSource source) throws Exception {
        byte[][] pool = pools.get(s.payload);
        try (Model model = load(s, source)) {
            RecordDecoder decoder = decoder(s.payload, model.info());
            List<Features> rows = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                rows.add(decoder.decode(pool[i % POOL]));
            }
            // One row per call, cycling through the same rows as the batch: scoring one row over and over would let
            // the CPU learn its branches, which flatters tree models.
            List<List<Features>> singles = new ArrayList<>();
            rows.forEach(r -> singles.add(List.of(r)));
            int[] nextRow = {0};
            // Alternate the two, twice, and keep the best: a slow JIT warm-up (jpmml's deep call chains) or a
            // noisy neighbour then penalises neither side.
            for (int pass = 0; pass < 2; pass++) {
                record(s.name + " a", rate(() -> model.predict(rows), batchSize));
                record(s.name + " a1", rate(() -> model.predict(singles.get(nextRow[0]++ % singles.size())), 1));
            }
            // (p): the engine's whole per-record work without Kafka — decode, predict in batches, encode the JSON
            // prediction — on one thread, and the bytes it allocates per record.
            RecordScorer scorer = new RecordScorer(model, decoder, batchSize, Integer.MAX_VALUE);
            JsonPredictionEncoder encoder = new JsonPredictionEncoder();
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                values.add(pool[i % POOL]);
            }
            byte[] key = "r12345".getBytes(StandardCharsets.UTF_8);
            Work pipeline = () -> {
                for (ScoredRecord<Prediction> r : scorer.score(values)) {
                    encoder.encode(r.prediction(), model.info(), key);
                }
            };
            record(s.name + " p", rate(pipeline, batchSize));
            long allocatedBefore = allocatedBytes();
            for (int i = 0; i < 10; i++) {
                pipeline.run();
            }
            allocatedPerRecord.put(s.name, (allocatedBytes() - allocatedBefore) / (10.0 * batchSize));
            if (!measured.containsKey(s.payload + " decode")) {
                int[] next = {0};
                record(s.payload + " decode", rate(() -> {
                    for (int i = 0; i < 100; i++) {
                        decoder.decode(pool[next[0]++ & (POOL - 1)]);
                    }
                }, 100));
            }
        }
    }

    /** @return bytes this thread has allocated so far (HotSpot's per-thread allocation counter). */
    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    /** A unit of in-process work. */
    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    private double rate(Work work, int rowsPerCall) throws Exception {
        long warmUpEnd = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < warmUpEnd) {
            work.run();
        }
        long calls = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long now;
        do {
            work.run();
            calls++;
            now = System.nanoTime();
        } while (now < end);
        return calls * rowsPerCall / ((now - start) / 1e9);
    }

    private void produceBacklog(String bootstrap, String payload) {
        byte[][] pool = pools.get(payload);
        int n = recordsPerPayload.get(payload);
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(inputTopic(payload), ("r" + i).getBytes(StandardCharsets.UTF_8), pool[i % POOL]));
            }
            producer.flush();
        }
        System.out.printf("  backlog of %,d %s records (%,d bytes each) produced in %.1f s%n", n, payload, pool[0].length,
                (System.nanoTime() - start) / 1e9);
    }

    /** (b): Kafka's own ceiling for the payload ({@link KafkaPipe#rawPipe}). */
    private Window rawPipe(String bootstrap, String payload, String output, String group) throws InterruptedException {
        return KafkaPipe.rawPipe(bootstrap, inputTopic(payload), output, group, recordsPerPayload.get(payload), workers,
                batchSize, PARTITIONS);
    }

    /** (c) and (d): the engine, batched or with one model call per record. */
    private Window engine(String bootstrap, BenchSubject s, ModelSource source, String output, String group,
            boolean perRecord) throws Exception {
        int n = recordsPerPayload.get(s.payload);
        Map<String, Object> props = new HashMap<>();
        props.put(EngineConfig.BOOTSTRAP_SERVERS, bootstrap);
        props.put(EngineConfig.GROUP_ID, group);
        props.put(EngineConfig.INPUT_TOPICS, inputTopic(s.payload));
        props.put(EngineConfig.OUTPUT_TOPIC, output);
        props.put(EngineConfig.DEAD_LETTER_TOPIC, output + "-dlt");
        props.put(EngineConfig.WORKER_THREADS, workers);
        props.put(EngineConfig.MAX_BATCH_SIZE, batchSize);
        if (BenchSubject.FLOATS.equals(s.payload)) {
            props.put(EngineConfig.INPUT_CODEC, "float32");
        }
        return KafkaPipe.engine(new EngineConfig(props),
                perRecord ? () -> new PerRecordModel(load(s, source)) : () -> load(s, source), n, PARTITIONS, s.name);
    }

    private double best(String key) {
        return measured.get(key).stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    /** @return "median (min–max)" of a row's rounds. */
    private String spread(String key) {
        return measured.containsKey(key) ? Stats.of(measured.get(key)).format("%,.0f") : "–";
    }

    /**
     * @return {@code ratio(x, y)} of two rows taken round by round, as "median (min–max)" over the rounds that
     *     measured both ("–" when a row was left out with --rows)
     */
    private String ratio(String x, String y, java.util.function.DoubleBinaryOperator ratio) {
        List<Double> ratios = new ArrayList<>();
        for (Map<String, Double> round : perRound.values()) {
            if (round.containsKey(x) && round.containsKey(y)) {
                ratios.add(ratio.applyAsDouble(round.get(x), round.get(y)));
            }
        }
        return ratios.isEmpty() ? "–" : Stats.of(ratios).format("%.2f");
    }

    /**
     * The most the engine could do on this machine if it added nothing but its pipeline's CPU work to the raw
     * pipe's: the pipe at {@code pipe} records/s keeps every core busy (broker, clients), and each record also costs
     * {@code 1/pipeline} seconds of one core (decode, predict, encode). With {@code k} cores:
     * {@code k / (k/pipe + 1/pipeline)}.
     */
    private static double cpuCeiling(double pipe, double pipeline) {
        int cores = Runtime.getRuntime().availableProcessors();
        return cores / (cores / pipe + 1 / pipeline);
    }

    private void printTable() {
        System.out.println();
        System.out.printf("End to end, records/s: median of %d rounds (min–max); in process (a), (a1): best of 2%n",
                rounds);
        System.out.println();
        System.out.println("| model | (a) in-process, batch " + batchSize + " | (a1) in-process, 1 row per call "
                + "| (p) in-process decode → predict → encode | heap bytes per record in (p) "
                + "| (b) raw Kafka pipe | (c) engine | (d) engine, 1 model call per record"
                + (withStreams ? " | (e) Kafka Streams + Inferstream processor | (f) Kafka Streams, mapValues per record" : "")
                + " |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|" + (withStreams ? "---:|---:|" : ""));
        for (BenchSubject s : subjects) {
            System.out.printf("| %s | %,.0f | %,.0f | %,.0f | %,.0f | %s | %s | %s%s |%n", s.description,
                    best(s.name + " a"), best(s.name + " a1"), best(s.name + " p"), allocatedPerRecord.get(s.name),
                    spread(s.payload + " b"), spread(s.name + " c"), spread(s.name + " d"),
                    withStreams ? " | " + spread(s.name + " e") + " | " + spread(s.name + " f") : "");
        }
        System.out.println();
        System.out.println("Ratios, each taken within a round (side by side), median over the rounds (min–max):");
        System.out.println();
        System.out.println("| model | (c)/(d): batching | (c)/min(a,b) | (c)/(b ⊕ p): engine vs its CPU ceiling"
                + (withStreams ? " | (c)/(f): engine vs per-record Streams app | (e)/(c)" : "") + " |");
        System.out.println("|---|---:|---:|---:|" + (withStreams ? "---:|---:|" : ""));
        for (BenchSubject s : subjects) {
            String c = s.name + " c";
            double a = best(s.name + " a");
            double p = best(s.name + " p");
            System.out.printf("| %s | %s | %s | %s%s |%n", s.description,
                    ratio(c, s.name + " d", (engine, perRecord) -> engine / perRecord),
                    ratio(c, s.payload + " b", (engine, pipe) -> engine / Math.min(a, pipe)),
                    ratio(c, s.payload + " b", (engine, pipe) -> engine / cpuCeiling(pipe, p)),
                    withStreams ? " | " + ratio(c, s.name + " f", (engine, streams) -> engine / streams) + " | "
                            + ratio(s.name + " e", c, (processor, engine) -> processor / engine) : "");
        }
        printCpuTable();
        System.out.println();
        for (String payload : PAYLOADS) {
            if (measured.containsKey(payload + " decode")) {
                System.out.printf("Decoding alone, %s records, one thread: %,.0f records/s%n", payload,
                        best(payload + " decode"));
            }
        }
        System.out.println("(b) copies records with the engine's producer settings and commit interval; (c) and (d) run "
                + "the same engine with the same polls and commits, (d) only splits each batch into one model call "
                + "per record; (e) and (f) are Kafka Streams apps (at_least_once, its default 30 s commit interval) with "
                + "the engine's producer settings and as many stream threads as the engine has workers. Every "
                + "end-to-end row is timed from its first input record until the broker holds all of its outputs.");
    }

    /**
     * What each record cost the machine end to end, from the process's CPU time over each row's span (the broker,
     * the clients and the app all run in this JVM), and the ceiling that sets for the engine: it does all the pipe's
     * Kafka work (the same records polled, one record sent per record) and at least the model's own work, so with
     * {@code k} cores it cannot exceed {@code k / (cpu(b) + 1/(a))} records/s. The ceiling is only that where the
     * engine's outputs are no smaller than its inputs (the tabular rows); an image's prediction is 40× smaller than
     * the image, so there the engine's Kafka work is less than the pipe's.
     */
    private void printCpuTable() {
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.println();
        System.out.printf("CPU per record end to end: µs of CPU of the whole JVM (broker, clients, app) per record, "
                + "median over the rounds (min–max), and the cores it kept busy; %d cores%n", cores);
        System.out.println();
        System.out.println("| model | (b) raw pipe | (c) engine | (d) engine, 1 call per record"
                + (withStreams ? " | (f) Kafka Streams, per record" : "")
                + " | (a) model alone, µs of one core | (c) at most: " + cores + " cores / (cpu(b) + 1/(a)) | 0.9 × min(a, b) |");
        System.out.println("|---|---:|---:|---:|" + (withStreams ? "---:|" : "") + "---:|---:|---:|");
        for (BenchSubject s : subjects) {
            String b = s.payload + " b";
            double a = best(s.name + " a");
            String ceiling = windows.containsKey(b)
                    ? String.format("%,.0f", cores / (cpu(b).median() + 1e6 / a) * 1e6) : "–";
            String target = measured.containsKey(b) ? String.format("%,.0f", 0.9 * Math.min(a, Stats.of(measured.get(b)).median())) : "–";
            System.out.printf("| %s | %s | %s | %s%s | %.2f | %s | %s |%n", s.description, cpuCell(b),
                    cpuCell(s.name + " c"), cpuCell(s.name + " d"), withStreams ? " | " + cpuCell(s.name + " f") : "",
                    1e6 / a, ceiling, target);
        }
    }

    private Stats cpu(String key) {
        return Stats.of(windows.get(key).stream().map(Window::cpuMicrosPerRecord).toList());
    }

    /** @return "µs per record (min–max) on N cores" of a row, or "–" when it was not measured */
    private String cpuCell(String key) {
        if (!windows.containsKey(key)) {
            return "–";
        }
        double cores = Stats.of(windows.get(key).stream().map(Window::coresBusy).toList()).median();
        return cpu(key).format("%.2f") + String.format(" on %.2f", cores);
    }
}
