package io.inferstream.bench;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelProvider;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
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

    /** Produces {@code n} records keyed by their send time, at {@code rate} per second (null: as fast as possible). */
    static void produce(String bootstrap, String topic, byte[][] pool, int n, int offset, Double rate) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, rate == null ? 10 : 0,
                // As fast as possible: batches of many records (the default 16 KB holds one 8 KB image), so the
                // generator is not what limits a measured maximum.
                ProducerConfig.BATCH_SIZE_CONFIG, rate == null ? 1 << 20 : 16_384,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < n; i++) {
                if (rate != null) {
                    // Park, never spin: a spinning producer would take one of the two cores from the engine.
                    long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                }
                byte[] key = (System.currentTimeMillis() + "-" + (offset + i)).getBytes(StandardCharsets.UTF_8);
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
    static OpenLoopRun openLoop(EmbeddedKafkaBroker broker, String name, int partitions, Map<String, Object> settings,
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
        List<long[]> all = latencies(broker, (String) props.get(EngineConfig.OUTPUT_TOPIC), partitions, n);
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
     * @param recordsPerBatch the engine's mean records per polled batch over the run
     * @param gcPauses this JVM's collection pauses while the records were produced and scored: "count / total ms /
     *     longest ms"
     */
    record OpenLoopRun(List<Long> latencies, double recordsPerBatch, String gcPauses) {
        /** @return a Markdown row: label, p50, p99, max (ms), the count, records per batch and the GC pauses */
        String row(String label) {
            String base = TimedRecords.row(label, latencies);
            return base + String.format(" %.1f | %s |", recordsPerBatch, gcPauses);
        }
    }

    /** @return {send time ms, latency ms} of each of up to {@code n} predictions in the output topic. */
    static List<long[]> latencies(EmbeddedKafkaBroker broker, String topic, int partitions, int n) {
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
