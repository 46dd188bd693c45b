package io.inferstream.bench;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Records that carry their own send time (the key is {@code <epoch ms>-<n>}), produced open loop at a fixed rate,
 * and the produce-to-prediction latency read back from the output topic: a measurement that does not trust the
 * engine's own counters. Predictions keep the input key; their timestamp is set when the engine sends them.
 *
 * <p>Thread safety: stateless.
 */
final class TimedRecords {
    private TimedRecords() {
    }

    /**
     * Produces {@code n} records keyed by their send time, at {@code rate} per second (null: as fast as possible).
     *
     * <p>The generator is configured the same way for both, as a producer is in practice: {@code linger.ms=1} and
     * batches up to 1 MB, so what arrives within a millisecond goes to the broker in one request. With
     * {@code linger.ms=0} and the default 16 KB batches it sent one request per 8.4 KB record at the open-loop rate
     * but batched when writing as fast as it could, so the broker's request handlers (in this JVM, on these two
     * cores) did several times more work at "half" the load than while the maximum was measured. The millisecond
     * of linger is inside the measured latency: a record's time is when it was due, not when it was sent.
     *
     * <p>Open loop, a record's time is the time it was due by the schedule, not when the generator got to it: if the
     * generator falls behind (a GC pause, a busy core), the records it owes still count from when they were due
     * (no coordinated omission).
     */
    static void produce(String bootstrap, String topic, byte[][] pool, int n, int offset, Double rate) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 1,
                ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        long startNanos = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < n; i++) {
                long due = System.currentTimeMillis();
                if (rate != null) {
                    long offsetNanos = (long) (i * 1e9 / rate);
                    // Park, never spin: a spinning producer would take one of the two cores from the engine.
                    long wait = startNanos + offsetNanos - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    due = startMillis + offsetNanos / 1_000_000;
                }
                byte[] key = (due + "-" + (offset + i)).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, key, pool[i % pool.length]));
            }
            producer.flush();
        }
    }

    /**
     * One open-loop run: a fresh input topic {@code <name>-in} and an engine with these settings writing to
     * {@code <name>-out}, records produced at {@code rate} per second for {@code seconds}, latencies read back.
     *
     * @return the steady-state latencies (ms): records sent in the run's first 2 s, which warm its clients and
     *     connections, are left out
     */
    static OpenLoopRun openLoop(BenchBroker broker, String name, int partitions, Map<String, Object> settings,
            ModelProvider provider, byte[][] pool, double rate, int seconds) throws Exception {
        String input = name + "-in";
        broker.createTopic(input, partitions);
        Map<String, Object> props = BenchEngines.properties(broker, input, name + "-out", partitions, settings);
        int n = (int) (rate * seconds);
        double recordsPerBatch;
        String pauses;
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props), provider)) {
            while (engine.metrics().assignedPartitions() < partitions) {
                Thread.sleep(5);
            }
            try (GcPauses gc = new GcPauses()) {
                produce(broker.bootstrapServers(), input, pool, n, 0, rate);
                while (engine.metrics().predictionsOut() < n) {
                    Thread.sleep(5);
                }
                pauses = gc.summary();
            }
            recordsPerBatch = engine.metrics().recordsIn() / (double) Math.max(1, engine.metrics().batches());
        }
        return readBack(broker, name, (String) props.get(EngineConfig.OUTPUT_TOPIC), partitions, n, seconds,
                recordsPerBatch, pauses);
    }

    /**
     * The same open-loop run through a bare consume → produce copy ({@link KafkaPipe.Copies}) instead of the engine:
     * what this machine's broker, clients and load generator alone cost in latency at the same rate, with the same
     * client settings. The engine's latency cannot be lower than this row's.
     *
     * @param clientSettings {@code consumer.*} and {@code producer.*} settings, as the engine takes them
     */
    static OpenLoopRun openLoopPipe(BenchBroker broker, String name, int partitions, Map<String, Object> clientSettings,
            int workers, int batchSize, byte[][] pool, double rate, int seconds) throws Exception {
        String input = name + "-in";
        String output = name + "-out";
        broker.createTopic(input, partitions);
        broker.createTopic(output, partitions);
        int n = (int) (rate * seconds);
        KafkaPipe.Copies copies = KafkaPipe.Copies.start(broker.bootstrapServers(), input, output, "group-" + output, n,
                workers, batchSize, clientSettings);
        while (copies.assignedPartitions.get() < partitions) {
            Thread.sleep(5);
        }
        String pauses;
        try (GcPauses gc = new GcPauses()) {
            produce(broker.bootstrapServers(), input, pool, n, 0, rate);
            copies.join();
            pauses = gc.summary();
        }
        return readBack(broker, name, output, partitions, n, seconds, Double.NaN, pauses);
    }

    private static OpenLoopRun readBack(BenchBroker broker, String name, String output, int partitions, int n,
            int seconds, double recordsPerBatch, String pauses) {
        List<long[]> all = latencies(broker, output, partitions, n);
        long first = all.stream().mapToLong(r -> r[0]).min().orElse(0);
        List<Long> steady = new ArrayList<>();
        long[] worstPerSecond = new long[seconds + 2];
        for (long[] r : all) {
            if (r[0] >= first + 2_000) {
                steady.add(r[1]);
            }
            int second = (int) Math.min(worstPerSecond.length - 1, (r[0] - first) / 1000);
            worstPerSecond[second] = Math.max(worstPerSecond[second], r[1]);
        }
        if (Boolean.getBoolean("inferstream.bench.timeline")) {
            System.out.println("  worst latency per second of " + name + " from " + java.time.Instant.ofEpochMilli(first)
                    + ": " + java.util.Arrays.toString(worstPerSecond));
        }
        return new OpenLoopRun(steady, recordsPerBatch, pauses);
    }

    /**
     * One open-loop run's outcome.
     *
     * @param latencies the steady-state latencies (ms)
     * @param recordsPerBatch the engine's mean records per polled batch over the run (NaN for the bare copy)
     * @param gcPauses this JVM's collection pauses while the records were produced and scored: "count / total ms /
     *     longest ms"
     */
    record OpenLoopRun(List<Long> latencies, double recordsPerBatch, String gcPauses) {
        /** @return a Markdown row: label, p50, p99, max (ms), the count, records per batch and the GC pauses */
        String row(String label) {
            String base = TimedRecords.row(label, latencies);
            String perBatch = Double.isNaN(recordsPerBatch) ? "-" : String.format("%.1f", recordsPerBatch);
            return base + String.format(" %s | %s |", perBatch, gcPauses);
        }
    }

    /** @return {send time ms, latency ms} of each of up to {@code n} predictions in the output topic. */
    static List<long[]> latencies(BenchBroker broker, String topic, int partitions, int n) {
        List<long[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(broker.consumerConfig(null))) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                parts.add(new TopicPartition(topic, p));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.currentTimeMillis() + 60_000;
            while (out.size() < n && System.currentTimeMillis() < deadline) {
                ConsumerRecords<byte[], byte[]> polled = c.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    long sent = Long.parseLong(new String(r.key(), StandardCharsets.UTF_8).split("-")[0]);
                    out.add(new long[] {sent, r.timestamp() - sent});
                }
            }
        }
        return out;
    }

    /** @return the 99th percentile of the latencies (sorting them), or -1 if there are none. */
    static long p99(List<Long> latencies) {
        if (latencies.isEmpty()) {
            return -1;
        }
        Collections.sort(latencies);
        return latencies.get((int) Math.min(latencies.size() - 1, Math.ceil(latencies.size() * 0.99) - 1));
    }

    /** @return a Markdown row: label, p50, p99, max (ms) and the count. */
    static String row(String label, List<Long> latencies) {
        Collections.sort(latencies);
        if (latencies.isEmpty()) {
            return "| " + label + " | - | - | - | 0 |";
        }
        return String.format("| %s | %d | %d | %d | %,d |", label, latencies.get(latencies.size() / 2), p99(latencies),
                latencies.get(latencies.size() - 1), latencies.size());
    }
}
