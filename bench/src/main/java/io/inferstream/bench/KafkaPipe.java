package io.inferstream.bench;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
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
 * The two end-to-end measurements the benchmarks compare for one payload, timed the same way (from the first input
 * record until the broker holds every output): the raw Kafka consume → produce pipe, and the engine.
 *
 * <p>Thread safety: stateless; each call runs its own clients.
 */
final class KafkaPipe {
    private KafkaPipe() {
    }

    /**
     * (b): consume → produce with no decoding or model, committed the way the engine commits at its best (offsets
     * every {@link EngineConfig#AT_LEAST_ONCE_COMMIT_INTERVAL_MS} ms, no flush per batch): Kafka's own ceiling for
     * the payload, timed like every other row until the output topic holds every record.
     *
     * @param n records in {@code input}, all of which are copied
     * @return the span from the first record polled until the output holds all {@code n}
     */
    static Window rawPipe(String bootstrap, String input, String output, String group, int n, int workers, int batchSize,
            int partitions) throws InterruptedException {
        Copies copies = Copies.start(bootstrap, input, output, group, n, workers, batchSize, Map.of());
        Moment end;
        try (OutputWatch watch = new OutputWatch(bootstrap)) {
            watch.awaitRecords(output, partitions, n, Duration.ofMinutes(10), () -> { });
            end = Moment.now();
        }
        copies.join();
        return new Window(copies.firstRecord.get(), end, n);
    }

    /**
     * Copy loops running in threads of their own: {@code workers} consumers of one group, each sending what it polls
     * to {@code output} (same partition), until {@code n} records are copied in all.
     *
     * <p>Thread safety: the counters are atomic; {@link #join()} from one thread.
     */
    static final class Copies {
        final AtomicLong copied = new AtomicLong();
        /** When the first copy loop polled its first records. */
        final AtomicReference<Moment> firstRecord = new AtomicReference<>();
        final AtomicInteger assignedPartitions = new AtomicInteger();
        private final List<Thread> threads = new ArrayList<>();

        private Copies() {
        }

        /**
         * @param clientSettings {@code consumer.*} and {@code producer.*} overrides, prefixed as the engine's
         *     properties are, on top of the engine's defaults (so that only the work in between differs)
         */
        static Copies start(String bootstrap, String input, String output, String group, int n, int workers,
                int batchSize, Map<String, Object> clientSettings) {
            Copies copies = new Copies();
            for (int w = 0; w < workers; w++) {
                Thread t = new Thread(() -> copy(bootstrap, input, output, group, n, batchSize, clientSettings, copies),
                        "raw-" + w);
                copies.threads.add(t);
                t.start();
            }
            return copies;
        }

        void join() throws InterruptedException {
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    private static void copy(String bootstrap, String input, String output, String group, int n, int batchSize,
            Map<String, Object> clientSettings, Copies copies) {
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
        clientSettings.forEach((key, value) -> {
            if (key.startsWith("consumer.")) {
                c.put(key.substring("consumer.".length()), value);
            } else if (key.startsWith("producer.")) {
                p.put(key.substring("producer.".length()), value);
            } else {
                throw new IllegalArgumentException("client settings start with consumer. or producer., not " + key);
            }
        });
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            consumer.subscribe(List.of(input), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    copies.assignedPartitions.addAndGet(-partitions.size());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    copies.assignedPartitions.addAndGet(partitions.size());
                }
            });
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            long lastCommit = System.nanoTime();
            while (copies.copied.get() < n) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(100));
                if (!polled.isEmpty()) {
                    if (copies.firstRecord.get() == null) {
                        copies.firstRecord.compareAndSet(null, Moment.now());
                    }
                    for (ConsumerRecord<byte[], byte[]> r : polled) {
                        producer.send(new ProducerRecord<>(output, r.partition(), r.key(), r.value()));
                        offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    }
                    copies.copied.addAndGet(polled.count());
                }
                if (System.nanoTime() - lastCommit > EngineConfig.AT_LEAST_ONCE_COMMIT_INTERVAL_MS * 1_000_000) {
                    // Sent, not yet acknowledged: a ceiling for the engine, which commits only acknowledged offsets.
                    consumer.commitAsync(new HashMap<>(offsets), null);
                    lastCommit = System.nanoTime();
                }
            }
            producer.flush();
            consumer.commitSync(offsets);
        }
    }

    /**
     * The engine end to end on a backlog of {@code n} records.
     *
     * @param name for the message of unexpected dead letters
     * @return the span from the moment its group has formed until the output holds all {@code n}
     * @throws IllegalStateException if the engine fails or dead-letters any record
     */
    static Window engine(EngineConfig config, ModelProvider model, int n, int partitions, String name) throws Exception {
        String bootstrap = String.join(",", config.getList(EngineConfig.BOOTSTRAP_SERVERS));
        Moment start;
        Moment end;
        EngineMetrics metrics;
        try (InferenceEngine engine = InferenceEngine.start(config, model)) {
            metrics = engine.metrics();
            // Time from the moment the group has formed, as the raw pipe times from its first records.
            while (metrics.assignedPartitions() < partitions && metrics.recordsIn() == 0) {
                Thread.sleep(1);
            }
            start = Moment.now();
            try (OutputWatch watch = new OutputWatch(bootstrap)) {
                watch.awaitRecords(config.getString(EngineConfig.OUTPUT_TOPIC), partitions, n,
                        Duration.ofMinutes(10), () -> {
                            if (engine.failure().isPresent()) {
                                throw new IllegalStateException("engine failed", engine.failure().get());
                            }
                        });
                end = Moment.now();
            }
        }
        if (metrics.deadLetters() > 0) {
            throw new IllegalStateException(name + ": " + metrics.deadLetters() + " unexpected dead letters");
        }
        return new Window(start, end, n);
    }
}
