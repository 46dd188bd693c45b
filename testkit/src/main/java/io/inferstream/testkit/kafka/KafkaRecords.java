package io.inferstream.testkit.kafka;

import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Test helpers that move records in and out of a topic on an {@link EmbeddedKafkaBroker}: produce a list of
 * key/value pairs and wait until every one is acknowledged, read back exactly N records from the beginning, and count
 * the records in a topic from its offsets.
 *
 * <p>Each call opens and closes its own producer or consumer; consumers use {@code assign()} with no consumer group,
 * so these helpers never commit offsets and never disturb the groups under test. Failures are {@link AssertionError}s
 * that say what was expected and what arrived.
 *
 * <p>Thread safety: stateless; every method may be called from any thread.
 */
public final class KafkaRecords {

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);

    private KafkaRecords() {
    }

    /**
     * Sends UTF-8 string records in list order and returns once the broker has acknowledged all of them.
     * A record with a {@code null} key goes to a partition chosen by the producer; use
     * {@code new AbstractMap.SimpleImmutableEntry<>(null, value)} since {@code Map.entry} refuses nulls.
     *
     * @return where each record was written, in the same order
     */
    public static List<RecordMetadata> produceStrings(EmbeddedKafkaBroker broker, String topic,
                                                      List<? extends Map.Entry<String, String>> records) {
        return produce(broker.stringProducerConfig(), topic, records);
    }

    /** Like {@link #produceStrings}, with raw {@code byte[]} keys and values. */
    public static List<RecordMetadata> produceBytes(EmbeddedKafkaBroker broker, String topic,
                                                    List<? extends Map.Entry<byte[], byte[]>> records) {
        return produce(broker.producerConfig(), topic, records);
    }

    private static <K, V> List<RecordMetadata> produce(Map<String, Object> config, String topic,
                                                       List<? extends Map.Entry<K, V>> records) {
        List<Future<RecordMetadata>> pending = new ArrayList<>(records.size());
        try (KafkaProducer<K, V> producer = new KafkaProducer<>(config)) {
            for (Map.Entry<K, V> r : records) {
                pending.add(producer.send(new ProducerRecord<>(topic, r.getKey(), r.getValue())));
            }
            producer.flush();
            List<RecordMetadata> written = new ArrayList<>(pending.size());
            for (int i = 0; i < pending.size(); i++) {
                try {
                    written.add(pending.get(i).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
                } catch (ExecutionException | TimeoutException e) {
                    Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                    throw new AssertionError("producing to topic '" + topic + "': record " + i + " of "
                            + records.size() + " was not acknowledged: " + cause, cause);
                }
            }
            return written;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("producing to topic '" + topic + "' was interrupted", e);
        }
    }

    /**
     * Reads exactly {@code count} string records of a topic, from the beginning of every partition.
     * Records come partition by partition in offset order as the consumer receives them (order across partitions is
     * not defined by Kafka).
     *
     * @throws AssertionError if fewer than {@code count} records arrive within {@code timeout} (naming how many did),
     *         if more than {@code count} were seen, or if the topic does not exist
     */
    public static List<ConsumerRecord<String, String>> consumeStrings(EmbeddedKafkaBroker broker, String topic,
                                                                      int count, Duration timeout) {
        return consume(broker.stringConsumerConfig(null), topic, count, timeout);
    }

    /** Like {@link #consumeStrings}, with raw {@code byte[]} keys and values. */
    public static List<ConsumerRecord<byte[], byte[]>> consumeBytes(EmbeddedKafkaBroker broker, String topic,
                                                                    int count, Duration timeout) {
        return consume(broker.consumerConfig(null), topic, count, timeout);
    }

    private static <K, V> List<ConsumerRecord<K, V>> consume(Map<String, Object> config, String topic, int count,
                                                             Duration timeout) {
        List<ConsumerRecord<K, V>> received = new ArrayList<>(count);
        try (KafkaConsumer<K, V> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            // Poll until the count is reached; the deadline is checked after each poll so that a timeout of zero
            // still reads what is already there.
            do {
                consumer.poll(POLL_INTERVAL).forEach(received::add);
            } while (received.size() < count && System.nanoTime() < deadline);
        }
        if (received.size() < count) {
            throw new AssertionError("expected " + count + " records from topic '" + topic + "' within " + timeout
                    + " but only " + received.size() + " arrived " + perPartition(received));
        }
        if (received.size() > count) {
            // A test that says "exactly N" is usually checking nothing was duplicated: make an excess visible.
            throw new AssertionError("expected exactly " + count + " records from topic '" + topic + "' but "
                    + received.size() + " arrived " + perPartition(received));
        }
        return received;
    }

    /**
     * Counts the records in a topic as the sum over its partitions of (end offset − start offset). This is cheap and
     * exact for ordinary topics; in a topic written by transactions it also counts the commit/abort markers and
     * aborted records, which occupy offsets too.
     *
     * @throws AssertionError if the topic does not exist
     */
    public static long countRecords(EmbeddedKafkaBroker broker, String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(broker.consumerConfig(null))) {
            List<TopicPartition> partitions = partitionsOf(consumer, topic);
            // Assigned partitions keep the consumer from warning that it fetched offsets for partitions it does not own.
            consumer.assign(partitions);
            Map<TopicPartition, Long> start = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long total = 0;
            for (TopicPartition tp : partitions) {
                total += end.get(tp) - start.get(tp);
            }
            return total;
        }
    }

    private static List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new AssertionError("topic '" + topic + "' does not exist (topics must be created explicitly with "
                    + "EmbeddedKafkaBroker.createTopic; auto-creation is off)");
        }
        return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).collect(Collectors.toList());
    }

    private static String perPartition(List<? extends ConsumerRecord<?, ?>> records) {
        Map<Integer, Long> counts = new TreeMap<>(records.stream()
                .collect(Collectors.groupingBy(ConsumerRecord::partition, Collectors.counting())));
        return "(per partition: " + counts + ")";
    }
}
