package io.inferstream.bench;

import io.inferstream.codec.Float32RecordDecoder;
import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.Features;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.testkit.fixtures.DenseNetwork;
import io.inferstream.testkit.fixtures.ScratchDirectory;
import io.inferstream.testkit.kafka.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
    private final Map<String, Double> best = new LinkedHashMap<>();

    private PipelineBenchmark(Map<String, String> opts) {
        this.records = Integer.parseInt(opts.getOrDefault("records", "30000"));
        this.workers = Integer.parseInt(opts.getOrDefault("workers", "2"));
        this.batchSize = Integer.parseInt(opts.getOrDefault("batch-size", "500"));
        this.rounds = Integer.parseInt(opts.getOrDefault("rounds", "2"));
        this.seconds = Double.parseDouble(opts.getOrDefault("seconds", "3"));
        List<String> only = opts.containsKey("only") ? List.of(opts.get("only").split(",")) : null;
        this.subjects = BenchSubject.all().stream().filter(s -> only == null || only.contains(s.name)).toList();
        this.withStreams = Boolean.parseBoolean(opts.getOrDefault("streams", "true"));
        PAYLOADS.forEach(p -> pools.put(p, payloads(p)));
        recordsPerPayload.put(BenchSubject.IMAGES, records);
        // Small records move ~10× faster through Kafka: give them a backlog that lasts as long.
        recordsPerPayload.put(BenchSubject.TABULAR, records * 5);
        recordsPerPayload.put(BenchSubject.FLOATS, records * 2);
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
        System.out.printf("Inferstream pipeline benchmark: %d worker(s), batches of %d, best of %d round(s); %d cores, Java %s%n",
                workers, batchSize, rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        Map<String, ModelSource> sources = new LinkedHashMap<>();
        for (BenchSubject s : subjects) {
            sources.put(s.name, s.maker.make(scratch));
            onWorkerThread(() -> inProcess(s, sources.get(s.name)));
        }
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            for (String payload : PAYLOADS) {
                if (subjects.stream().anyMatch(s -> s.payload.equals(payload))) {
                    broker.createTopic(inputTopic(payload), PARTITIONS);
                    produceBacklog(broker.bootstrapServers(), payload);
                }
            }
            int topic = 0;
            for (int round = 1; round <= rounds; round++) {
                for (String payload : PAYLOADS) {
                    if (subjects.stream().noneMatch(s -> s.payload.equals(payload))) {
                        continue;
                    }
                    String out = "bench-out-" + (++topic);
                    broker.createTopic(out, PARTITIONS);
                    record(payload + " b", rawPipe(broker.bootstrapServers(), payload, out, "raw-" + topic));
                }
                StreamsBench streams = new StreamsBench(broker.bootstrapServers(), scratch.resolve("streams"), workers,
                        batchSize);
                for (BenchSubject s : subjects) {
                    for (boolean perRecord : new boolean[] {false, true}) {
                        String out = "bench-out-" + (++topic);
                        broker.createTopic(out, PARTITIONS);
                        broker.createTopic(out + "-dlt", 1);
                        record(s.name + (perRecord ? " d" : " c"), engine(broker.bootstrapServers(), s,
                                sources.get(s.name), out, "engine-" + topic, perRecord));
                    }
                    if (withStreams) {
                        ModelSource source = sources.get(s.name);
                        int n = recordsPerPayload.get(s.payload);
                        String out = "bench-out-" + (++topic);
                        broker.createTopic(out, PARTITIONS);
                        record(s.name + " e", streams.batched(() -> load(s, source), info -> decoder(s.payload, info),
                                inputTopic(s.payload), out, n));
                        out = "bench-out-" + (++topic);
                        broker.createTopic(out, PARTITIONS);
                        record(s.name + " f", streams.perRecord(() -> load(s, source),
                                info -> decoder(s.payload, info), inputTopic(s.payload), out, n));
                    }
                }
            }
        }
        printTable();
    }

    private static String inputTopic(String payload) {
        return "bench-in-" + payload;
    }

    private void record(String key, double rowsPerSecond) {
        best.merge(key, rowsPerSecond, Math::max);
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
            if (!best.containsKey(s.payload + " decode")) {
                int[] next = {0};
                record(s.payload + " decode", rate(() -> {
                    for (int i = 0; i < 100; i++) {
                        decoder.decode(pool[next[0]++ & (POOL - 1)]);
                    }
                }, 100));
            }
        }
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

    /** (b): the same consume → produce → commit loop with no decoding or model: Kafka's own ceiling. */
    private double rawPipe(String bootstrap, String payload, String output, String group) throws InterruptedException {
        int n = recordsPerPayload.get(payload);
        AtomicLong copied = new AtomicLong();
        AtomicLong firstRecordNanos = new AtomicLong(Long.MAX_VALUE);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(() -> copy(bootstrap, inputTopic(payload), output, group, n, copied, firstRecordNanos), "raw-" + w);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return n / ((System.nanoTime() - firstRecordNanos.get()) / 1e9);
    }

    private void copy(String bootstrap, String input, String output, String group, int n, AtomicLong copied,
            AtomicLong firstRecordNanos) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batchSize);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        // The engine's producer settings, so that only the work in between differs.
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            consumer.subscribe(List.of(input));
            while (copied.get() < n) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(100));
                if (polled.isEmpty()) {
                    continue;
                }
                firstRecordNanos.accumulateAndGet(System.nanoTime(), Math::min);
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    producer.send(new ProducerRecord<>(output, r.partition(), r.key(), r.value()));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                producer.flush();
                consumer.commitSync(offsets);
                copied.addAndGet(polled.count());
            }
        }
    }

    /** (c) and (d): the engine, batched or with one model call per record. */
    private double engine(String bootstrap, BenchSubject s, ModelSource source, String output, String group,
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
        long start;
        EngineMetrics metrics;
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                perRecord ? () -> new PerRecordModel(load(s, source)) : () -> load(s, source))) {
            metrics = engine.metrics();
            // Time from the moment the group has formed, as the raw pipe times from its first records.
            while (metrics.assignedPartitions() < PARTITIONS && metrics.recordsIn() == 0) {
                Thread.sleep(1);
            }
            start = System.nanoTime();
            while (metrics.predictionsOut() + metrics.deadLetters() < n) {
                if (engine.failure().isPresent()) {
                    throw new IllegalStateException("engine failed", engine.failure().get());
                }
                Thread.sleep(5);
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (metrics.deadLetters() > 0) {
            throw new IllegalStateException(s.name + ": " + metrics.deadLetters() + " unexpected dead letters");
        }
        return n / elapsed;
    }

    private void printTable() {
        System.out.println();
        System.out.println("| model | (a) in-process, batch " + batchSize + " | (a1) in-process, 1 row per call "
                + "| (b) raw Kafka pipe, same payload | (c) engine end to end | (d) engine, 1 model call per record "
                + "| (c)/(d) | (c)/min(a,b) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (BenchSubject s : subjects) {
            double a = best.get(s.name + " a");
            double a1 = best.get(s.name + " a1");
            double b = best.get(s.payload + " b");
            double c = best.get(s.name + " c");
            double d = best.get(s.name + " d");
            System.out.printf("| %s | %,.0f | %,.0f | %,.0f | %,.0f | %,.0f | %.1f× | %.2f |%n", s.description, a, a1, b, c,
                    d, c / d, c / Math.min(a, b));
        }
        if (withStreams) {
            System.out.println();
            System.out.println("| model | (c) engine | (e) Kafka Streams, Inferstream processor (batches of " + batchSize
                    + ") | (f) Kafka Streams, mapValues, 1 model call per record | (e)/(c) | (e)/(f) |");
            System.out.println("|---|---:|---:|---:|---:|---:|");
            for (BenchSubject s : subjects) {
                double c = best.get(s.name + " c");
                double e = best.get(s.name + " e");
                double f = best.get(s.name + " f");
                System.out.printf("| %s | %,.0f | %,.0f | %,.0f | %.2f | %.1f× |%n", s.description, c, e, f, e / c, e / f);
            }
        }
        System.out.println();
        for (String payload : PAYLOADS) {
            if (best.containsKey(payload + " decode")) {
                System.out.printf("Decoding alone, %s records, one thread: %,.0f records/s%n", payload,
                        best.get(payload + " decode"));
            }
        }
        System.out.println("All figures rows/s. (c) and (d) run the same engine with the same polls and commits; (d)"
                + " only splits each batch into one model call per record. (e) and (f) are Kafka Streams apps with the"
                + " engine's producer settings and as many stream threads as the engine has workers, at_least_once.");
    }
}
