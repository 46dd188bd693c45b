package io.inferstream.engine;

import io.inferstream.monitor.LabelJoin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the labels topic ({@code monitor.labels.topic}) on a thread of its own and hands every label to the
 * {@link LabelJoin}, which also expires the predictions whose window has passed.
 *
 * <p>It is a consumer without a group: it assigns itself every partition of the topic and starts at its end, and
 * commits nothing. The predictions a label joins live only in this process's memory, so labels written before it
 * started could only be unmatched, and a restart must not resume from a committed position either. Every engine
 * instance reads every label (any instance may have scored the key); an instance counts labels for keys another
 * instance scored as unmatched. Partitions added to the topic later are picked up within a minute, from their start.
 *
 * <p>Thread safety: {@link #close()} may be called from any thread; the rest runs on its own thread.
 */
final class LabelReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LabelReader.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long EXPIRE_EVERY_MS = 1_000;
    private static final long PARTITIONS_EVERY_MS = 60_000;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final LabelJoin join;
    private final Thread thread;
    private volatile boolean stopping;

    /**
     * Assigns the topic's partitions and fixes the start position at their end before returning, so that every
     * label written after this constructor returns is read.
     *
     * @param clients the engine's client settings (bootstrap servers, security, {@code consumer.*})
     */
    LabelReader(Map<String, Object> clients, String clientId, String topic, LabelJoin join) {
        this.topic = topic;
        this.join = join;
        Map<String, Object> c = new java.util.HashMap<>(clients);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumer = new KafkaConsumer<>(c);
        List<TopicPartition> partitions;
        try {
            partitions = partitions();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolves the end now, not at the first poll
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
        thread = new Thread(this::run, clientId);
        thread.setDaemon(true);
        LOG.info("Reading true labels from {} ({} partition(s), from their end)", topic, partitions.size());
        thread.start(); // from here on, only that thread touches the consumer (close() only wakes it)
    }

    private List<TopicPartition> partitions() {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        List<TopicPartition> out = new ArrayList<>();
        if (infos != null) {
            infos.forEach(p -> out.add(new TopicPartition(topic, p.partition())));
        }
        return out;
    }

    private void run() {
        long nextExpire = 0;
        long nextPartitions = System.currentTimeMillis() + PARTITIONS_EVERY_MS;
        try {
            while (!stopping) {
                try {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                        join.onLabel(r.key(), r.value());
                    }
                } catch (WakeupException e) {
                    continue;
                }
                long now = System.currentTimeMillis();
                if (now >= nextExpire) {
                    join.expire();
                    nextExpire = now + EXPIRE_EVERY_MS;
                }
                if (now >= nextPartitions) {
                    nextPartitions = now + PARTITIONS_EVERY_MS;
                    addNewPartitions();
                }
            }
        } catch (RuntimeException e) {
            // Monitoring must never stop scoring: log, and leave accuracy where it stands.
            LOG.error("The labels consumer of {} stopped; accuracy is no longer updated: {}", topic, e.toString(), e);
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("closing the labels consumer: {}", e.toString());
            }
        }
    }

    private void addNewPartitions() {
        Set<TopicPartition> now = new HashSet<>(partitions());
        Set<TopicPartition> added = new HashSet<>(now);
        added.removeAll(consumer.assignment());
        if (!added.isEmpty()) {
            consumer.assign(now);
            consumer.seekToBeginning(added); // new partitions: every label on them came after this reader started
            LOG.info("Reading true labels from new partitions {}", added);
        }
    }

    @Override
    public void close() {
        stopping = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
