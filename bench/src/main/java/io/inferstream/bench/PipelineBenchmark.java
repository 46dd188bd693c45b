package io.inferstream.bench;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.Features;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.testkit.fixtures.DenseNetwork;
import io.inferstream.testkit.kafka.EmbeddedKafkaBroker;
import io.inferstream.testkit.onnx.OnnxModelWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Measures, side by side in one run on one in-process broker, for an ONNX 784→35→10 network and 784-float JSON
 * records: (a) in-process batched inference, (b) the raw Kafka consume→produce pipe for the same payload,
 * (c) the engine end to end, (d) the same engine calling the model once per record; plus the decoder alone.
 * Prints a Markdown table and the ratios the README quotes.
 *
 * <p>Run: {@code mvn -q -pl bench -am install -DskipTests && java -cp "bench/target/inferstream-bench.jar:bench/target/lib/*"
 * io.inferstream.bench.PipelineBenchmark [--records N] [--workers W] [--rounds R]}, or {@code bin/bench}.
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class PipelineBenchmark {
    private static final String INPUT = "bench-input";
    private static final int PARTITIONS = 4;
    private static final int POOL = 256;

    private final int records;
    private final int workers;
    private final int batchSize;
    private final int rounds;
    private final double seconds;
    private final byte[][] pool = new byte[POOL][];
    private final byte[] modelBytes;
    private final ModelRegistry registry = ModelRegistry.discover();
    private final Map<String, Double> best = new HashMap<>();

    private PipelineBenchmark(int records, int workers, int batchSize, int rounds, double seconds) {
        this.records = records;
        this.workers = workers;
        this.batchSize = batchSize;
        this.rounds = rounds;
        this.seconds = seconds;
        DenseNetwork network = DenseNetwork.mnistSized();
        float[][] inputs = network.sampleInputs(POOL, 7);
        for (int i = 0; i < POOL; i++) {
            StringBuilder sb = new StringBuilder("{\"input\":[");
            for (int j = 0; j < inputs[i].length; j++) {
                sb.append(j == 0 ? "" : ",").append(inputs[i][j]);
            }
            pool[i] = sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        }
        modelBytes = OnnxModelWriter.denseNetwork(network);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        PipelineBenchmark b = new PipelineBenchmark(Integer.parseInt(opts.getOrDefault("records", "50000")),
                Integer.parseInt(opts.getOrDefault("workers", "2")), Integer.parseInt(opts.getOrDefault("batch-size", "500")),
                Integer.parseInt(opts.getOrDefault("rounds", "2")), Double.parseDouble(opts.getOrDefault("seconds", "3")));
        b.run();
        System.exit(0);
    }

    private Model loadModel() throws ModelLoadException {
        return registry.load(ModelSource.of(modelBytes, "mnist-mlp.onnx"), "onnx", Map.of());
    }

    private void run() throws Exception {
        System.out.printf("Inferstream pipeline benchmark: ONNX 784→35→10 MLP, %,d JSON records of %,d bytes, %d worker(s), "
                + "batches of %d, best of %d round(s); %d cores, Java %s%n", records, pool[0].length, workers, batchSize,
                rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        inProcess();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopic(INPUT, PARTITIONS);
            produceBacklog(broker.bootstrapServers());
            for (int round = 1; round <= rounds; round++) {
                String out = "round" + round;
                broker.createTopic("bench-raw-" + out, PARTITIONS);
                broker.createTopic("bench-engine-" + out, PARTITIONS);
                broker.createTopic("bench-per-record-" + out, PARTITIONS);
                broker.createTopic("bench-dlt-" + out, 1);
                record("b", rawPipe(broker.bootstrapServers(), "bench-raw-" + out, "raw-" + out));
                record("c", engine(broker.bootstrapServers(), "bench-engine-" + out, "bench-dlt-" + out, "engine-" + out, false));
                record("d", engine(broker.bootstrapServers(), "bench-per-record-" + out, "bench-dlt-" + out, "per-record-" + out, true));
            }
        }
        printTable();
    }

    private void record(String key, double rowsPerSecond) {
        best.merge(key, rowsPerSecond, Math::max);
        System.out.printf("  %s: %,.0f rows/s%n", key, rowsPerSecond);
    }

    /** (a) and the decoder: no Kafka at all. */
    private void inProcess() throws Exception {
        try (Model model = loadModel()) {
            JsonRecordDecoder decoder = new JsonRecordDecoder(model.info(), Map.of(), false);
            List<Features> rows = new ArrayList<>();
            for (int i = 0; i < batchSize; i++) {
                rows.add(decoder.decode(pool[i % POOL]));
            }
            record("a", rate(() -> model.predict(rows), batchSize));
            List<Features> one = List.of(rows.get(0));
            record("a1", rate(() -> model.predict(one), 1));
            int[] next = {0};
            record("decode", rate(() -> {
                for (int i = 0; i < 100; i++) {
                    decoder.decode(pool[next[0]++ & (POOL - 1)]);
                }
            }, 100));
        }
    }

    /** A unit of in-process work that handles {@code rows} rows. */
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

    private void produceBacklog(String bootstrap) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < records; i++) {
                producer.send(new ProducerRecord<>(INPUT, ("r" + i).getBytes(StandardCharsets.UTF_8), pool[i % POOL]));
            }
            producer.flush();
        }
        System.out.printf("  backlog of %,d records produced in %.1f s%n", records, (System.nanoTime() - start) / 1e9);
    }

    /** (b): the same consume → produce → commit loop, with no decoding or model: Kafka's own ceiling. */
    private double rawPipe(String bootstrap, String output, String group) throws InterruptedException {
        AtomicLong copied = new AtomicLong();
        AtomicLong firstRecordNanos = new AtomicLong(Long.MAX_VALUE);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(() -> copy(bootstrap, output, group, copied, firstRecordNanos), "raw-" + w);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return records / ((System.nanoTime() - firstRecordNanos.get()) / 1e9);
    }

    private void copy(String bootstrap, String output, String group, AtomicLong copied, AtomicLong firstRecordNanos) {
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
            consumer.subscribe(List.of(INPUT));
            while (copied.get() < records) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(100));
                if (polled.isEmpty()) {
                    continue;
                }
                long now = System.nanoTime();
                firstRecordNanos.accumulateAndGet(now, Math::min);
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
    private double engine(String bootstrap, String output, String deadLetters, String group, boolean perRecord)
            throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(EngineConfig.BOOTSTRAP_SERVERS, bootstrap);
        props.put(EngineConfig.GROUP_ID, group);
        props.put(EngineConfig.INPUT_TOPICS, INPUT);
        props.put(EngineConfig.OUTPUT_TOPIC, output);
        props.put(EngineConfig.DEAD_LETTER_TOPIC, deadLetters);
        props.put(EngineConfig.WORKER_THREADS, workers);
        props.put(EngineConfig.MAX_BATCH_SIZE, batchSize);
        long start;
        EngineMetrics metrics;
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                perRecord ? () -> new PerRecordModel(loadModel()) : this::loadModel)) {
            metrics = engine.metrics();
            // Time from the moment the group has formed, as for the raw pipe (from its first records).
            while (metrics.assignedPartitions() < PARTITIONS && metrics.recordsIn() == 0) {
                Thread.sleep(1);
            }
            start = System.nanoTime();
            while (metrics.predictionsOut() + metrics.deadLetters() < records) {
                if (engine.failure().isPresent()) {
                    throw new IllegalStateException("engine failed", engine.failure().get());
                }
                Thread.sleep(5);
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        if (metrics.deadLetters() > 0) {
            throw new IllegalStateException(metrics.deadLetters() + " unexpected dead letters");
        }
        return records / elapsed;
    }

    private void printTable() {
        double a = best.get("a");
        double b = best.get("b");
        double c = best.get("c");
        double d = best.get("d");
        System.out.println();
        System.out.println("| measurement | rows/s |");
        System.out.println("|---|---:|");
        System.out.printf("| (a) in-process batched inference (batch %d) | %,.0f |%n", batchSize, a);
        System.out.printf("| (a1) in-process, one call per row | %,.0f |%n", best.get("a1"));
        System.out.printf("| JSON decode of one 784-float record, one thread | %,.0f |%n", best.get("decode"));
        System.out.printf("| (b) raw Kafka consume→produce, same payload, %d worker(s) | %,.0f |%n", workers, b);
        System.out.printf("| (c) engine end to end, %d worker(s) | %,.0f |%n", workers, c);
        System.out.printf("| (d) engine, one model call per record (same polls and commits) | %,.0f |%n", d);
        System.out.println();
        System.out.printf("(c)/(d) = %.2f   (c)/min(a,b) = %.2f   (c)/(b) = %.2f   (a)/(a1) = %.1f%n",
                c / d, c / Math.min(a, b), c / b, a / best.get("a1"));
    }

}
