package io.inferstream.deploy.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a model topic from its beginning into a {@link ModelTopicState}, without a consumer group (every reader
 * needs the whole topic, and nothing is committed): first to its end, then on as records arrive.
 *
 * <p>Thread safety: not thread-safe (it owns a consumer), except {@link #wakeup()}.
 */
public final class ModelTopicReader implements AutoCloseable {
    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ModelTopicState state;
    private List<TopicPartition> partitions;

    /**
     * @param clients Kafka client settings shared by every client: bootstrap.servers and any security settings
     * @param topic the model topic
     * @param state where the records go
     */
    public ModelTopicReader(Map<String, Object> clients, String topic, ModelTopicState state) {
        this.topic = topic;
        this.state = state;
        Map<String, Object> c = new HashMap<>(clients);
        c.keySet().retainAll(ConsumerConfig.configNames());
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "inferstream-model-topic-" + topic);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        this.consumer = new KafkaConsumer<>(c);
    }

    /**
     * Reads every record up to the topic's current end.
     *
     * @throws IllegalStateException if the topic does not exist or its end is not reached in time
     */
    public void catchUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (partitions == null) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("model topic '" + topic + "' does not exist; publish a model to it "
                        + "first (inferstream publish-model)");
            }
            partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("model topic '" + topic + "' was not read to its end within " + timeout);
            }
            poll(Duration.ofMillis(200));
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (TopicPartition p : partitions) {
            if (consumer.position(p) < end.get(p)) {
                return false;
            }
        }
        return true;
    }

    /** @return how many records were applied; 0 after a timeout or a {@link #wakeup()}. */
    public int poll(Duration timeout) {
        ConsumerRecords<byte[], byte[]> records;
        try {
            records = consumer.poll(timeout);
        } catch (WakeupException e) {
            return 0;
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
            state.apply(r.key(), r.value());
        }
        return records.count();
    }

    /** @return the state read so far. */
    public ModelTopicState state() {
        return state;
    }

    /** Interrupts a blocking poll. */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
