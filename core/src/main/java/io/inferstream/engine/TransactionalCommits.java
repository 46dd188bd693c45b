package io.inferstream.engine;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once commits on an interval: one transaction stays open across the batches of a
 * {@code commit.interval.ms}, and its commit makes their outputs and input offsets visible together
 * ({@code sendOffsetsToTransaction}), as Kafka Streams does under {@code exactly_once_v2}. Readers with
 * {@code isolation.level=read_committed} still see every record's outcome exactly once; what the interval changes is
 * how long they wait for it (up to the interval) and how many transaction commits the engine pays for (one per
 * interval, not one per batch).
 *
 * <p>A failure aborts the open transaction, so nothing of it is seen and its records are read again. Partitions
 * lost without a chance to commit abort it too, and the partitions the worker keeps are rewound to where the
 * transaction began, since its outputs for them are gone as well.
 *
 * <p>Thread safety: confined to the worker's thread; the batches' acknowledgements come from the producer's.
 */
final class TransactionalCommits extends CommitPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalCommits.class);

    /** For each partition with records in the open transaction, the offset of its first one. */
    private final Map<TopicPartition, Long> transactionStart = new HashMap<>();
    private boolean open;
    private long openedNanos;

    /**
     * @param interval how long a transaction stays open before it is committed; zero commits after every batch.
     *     Keep it well below the producer's {@code transaction.timeout.ms}, or the broker aborts it
     * @param writeFailure set by a write's callback when it fails: the transaction is then aborted
     */
    TransactionalCommits(String name, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
            Duration interval, EngineMetrics metrics, AtomicReference<Exception> writeFailure) {
        super(name, consumer, producer, interval, metrics, writeFailure);
    }

    @Override
    void beforeWrites() {
        if (!open) {
            producer.beginTransaction();
            open = true;
            openedNanos = System.nanoTime();
        }
    }

    @Override
    AcknowledgedOffsets.Batch written(List<ConsumerRecord<byte[], byte[]>> records, int writes) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            transactionStart.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
        }
        return pending.add(CommitPolicy.offsetsAfter(records), writes);
    }

    @Override
    void maybeCommit() {
        if (open && System.nanoTime() - openedNanos >= intervalNanos) {
            commitAll();
        }
    }

    @Override
    void commitAll() {
        if (!open) {
            return;
        }
        CommitPolicy.checkWrites(writeFailure);
        // Outputs and offsets commit or abort together: read_committed readers see each outcome once.
        producer.sendOffsetsToTransaction(pending.takeAll(), consumer.groupMetadata());
        producer.commitTransaction(); // flushes first; throws if any write of the transaction failed
        open = false;
        transactionStart.clear();
        metrics.countCommit();
    }

    @Override
    void partitionsRevoked(Collection<TopicPartition> revoked) {
        commitAll();
    }

    @Override
    void partitionsLost(Collection<TopicPartition> lost, Collection<TopicPartition> stillAssigned) {
        if (!open) {
            return;
        }
        // The group has moved on: offsets can no longer be committed in this transaction, so none of it may stand.
        LOG.warn("{}: partitions {} were lost without a chance to commit; aborting the open transaction and reading "
                + "the partitions kept ({}) again from where it began", name, lost, stillAssigned);
        abort();
        for (TopicPartition tp : stillAssigned) {
            Long start = transactionStart.get(tp);
            if (start != null) {
                consumer.seek(tp, start);
            }
        }
        transactionStart.clear();
    }

    @Override
    void abandon() {
        if (open) {
            abort();
        }
    }

    private void abort() {
        open = false;
        pending.takeAll();
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            // Fenced or the broker unreachable: the broker aborts the transaction itself on its timeout.
            LOG.warn("{}: could not abort the open transaction ({}); the broker aborts it after "
                    + "transaction.timeout.ms", name, e.toString());
        }
    }
}
