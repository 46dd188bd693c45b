package io.inferstream.chaos;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the output and dead-letter topics from the beginning, on a thread of its own and without a group, and
 * counts how often each key arrived in each: the ground truth for "lost" and "duplicates". With
 * {@code read_committed} it sees what a downstream transactional reader sees. Dead letters are kept whole (headers
 * and value size) for the bad-input matrix.
 *
 * <p>Thread safety: the counts may be read from any thread while the reading thread runs.
 */
final class Tally implements AutoCloseable {
    /** A dead letter as the reader saw it. */
    record DeadLetter(String key, int valueBytes, Map<String, String> headers) {
    }

    private final String output;
    private final String deadLetters;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Integer> outputCounts = new ConcurrentHashMap<>();
    private final Map<String, Integer> deadLetterCounts = new ConcurrentHashMap<>();
    private final Map<String, String> versions = new ConcurrentHashMap<>();
    private final List<DeadLetter> deadLetterRecords = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    Tally(String bootstrap, String output, String deadLetters, boolean readCommitted) {
        this.output = output;
        this.deadLetters = deadLetters;
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumer = new KafkaConsumer<>(c);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(output, deadLetters)) {
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "chaos-tally-" + output);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    String key = r.key() == null ? "(null)" : new String(r.key(), StandardCharsets.UTF_8);
                    if (r.topic().equals(output)) {
                        Header v = r.headers().lastHeader("inferstream.model.version");
                        if (v != null) {
                            versions.merge(new String(v.value(), StandardCharsets.UTF_8), "", (a, b) -> a);
                        }
                        outputCounts.merge(key, 1, Integer::sum);
                    } else {
                        Map<String, String> headers = new HashMap<>();
                        for (Header h : r.headers()) {
                            if (h.key().startsWith("inferstream.")) {
                                headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
                            }
                        }
                        deadLetterRecords.add(new DeadLetter(key, r.value() == null ? -1 : r.value().length, headers));
                        deadLetterCounts.merge(key, 1, Integer::sum);
                    }
                }
                for (TopicPartition tp : consumer.assignment()) {
                    positions.put(tp, consumer.position(tp));
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException stopping) {
            // close() asked us to stop
        } catch (Exception e) {
            failure.set(e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** How many of the keys {@code <prefix>0 .. <prefix>(n-1)} arrived at least once, in either topic. */
    int accounted(String prefix, int n) {
        int seen = 0;
        for (int i = 0; i < n; i++) {
            String key = prefix + i;
            if (outputCounts.containsKey(key) || deadLetterCounts.containsKey(key)) {
                seen++;
            }
        }
        return seen;
    }

    /** Outcomes beyond the first, summed over the keys: records scored (or dead-lettered) more than once. */
    long duplicates(String prefix, int n) {
        long extra = 0;
        for (int i = 0; i < n; i++) {
            int times = outputCounts.getOrDefault(prefix + i, 0) + deadLetterCounts.getOrDefault(prefix + i, 0);
            extra += Math.max(0, times - 1);
        }
        return extra;
    }

    /** Waits until the keys {@code <prefix>0 .. <prefix>(n-1)} have all arrived, or the timeout passes. */
    boolean awaitAccounted(String prefix, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (accounted(prefix, n) < n) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            checkHealthy();
            TimeUnit.MILLISECONDS.sleep(200);
        }
        return true;
    }

    /**
     * Waits until this reader has read up to the end of both topics as they are now (for read_committed, the last
     * stable offset), so that counts include every record written before the call, duplicates too.
     */
    void awaitCaughtUp(String bootstrap, boolean readCommitted, Duration timeout) throws InterruptedException {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        Map<TopicPartition, Long> ends;
        try (KafkaConsumer<byte[], byte[]> probe = new KafkaConsumer<>(c)) {
            ends = probe.endOffsets(new ArrayList<>(positions.keySet()), Duration.ofSeconds(30));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            while (positions.getOrDefault(end.getKey(), 0L) < end.getValue()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the reader did not reach the end of " + end.getKey() + " ("
                            + positions.get(end.getKey()) + " of " + end.getValue() + ")");
                }
                checkHealthy();
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    Map<String, Integer> outputCounts() {
        return outputCounts;
    }

    Map<String, Integer> deadLetterCounts() {
        return deadLetterCounts;
    }

    /** The model versions named by the outputs' headers. */
    java.util.Set<String> versions() {
        return versions.keySet();
    }

    List<DeadLetter> deadLetters() {
        synchronized (deadLetterRecords) {
            return List.copyOf(deadLetterRecords);
        }
    }

    private void checkHealthy() {
        if (failure.get() != null) {
            throw new AssertionError("the output reader failed", failure.get());
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
