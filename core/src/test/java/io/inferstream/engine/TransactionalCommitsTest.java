package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * Partitions lost in the middle of a transaction: the transaction cannot be committed any more, so it is aborted,
 * and the partitions the worker keeps must be read again from where the transaction began, or their records would
 * be skipped (their outputs are aborted with it).
 */
class TransactionalCommitsTest {
    private static final TopicPartition KEPT = new TopicPartition("in", 0);
    private static final TopicPartition LOST = new TopicPartition("in", 1);

    @Test
    void lostPartitionsAbortTheOpenTransactionAndRewindTheKeptOnesToWhereItBegan() {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        consumer.assign(List.of(KEPT, LOST));
        consumer.updateBeginningOffsets(Map.of(KEPT, 0L, LOST, 0L));
        consumer.seek(KEPT, 7);
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        producer.initTransactions();
        TransactionalCommits commits = new TransactionalCommits("test", consumer, producer, Duration.ofHours(1),
                new EngineMetrics(), new AtomicReference<>());

        // Two batches in one open transaction: offsets 3-4 of the kept partition, then 5-6.
        for (long offset = 3; offset <= 5; offset += 2) {
            commits.beforeWrites();
            List<ConsumerRecord<byte[], byte[]>> batch = List.of(record(KEPT, offset), record(KEPT, offset + 1),
                    record(LOST, offset));
            AcknowledgedOffsets.Batch acks = commits.written(batch, batch.size());
            batch.forEach(r -> producer.send(new ProducerRecord<>("out", r.value()), (m, e) -> acks.acknowledged()));
        }
        commits.partitionsLost(Set.of(LOST), Set.of(KEPT));

        assertTrue(producer.transactionAborted(), "the open transaction is aborted");
        assertEquals(0, producer.commitCount());
        assertEquals(3, consumer.position(KEPT), "the kept partition is read again from the transaction's first record");
        commits.commitAll();
        assertEquals(0, producer.commitCount(), "nothing is left to commit");
    }

    private static ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset) {
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, new byte[0], new byte[] {(byte) offset});
    }
}
