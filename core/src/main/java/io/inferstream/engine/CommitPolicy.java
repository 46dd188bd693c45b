package io.inferstream.engine;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * When and how a worker makes its progress durable: the offsets of the records it has written outputs for (and,
 * under exactly-once, those outputs) are committed on an interval that spans many batches, as Kafka Streams does
 * ({@code commit.interval.ms}), rather than after every batch. Between commits the worker keeps polling, scoring and
 * sending; nothing waits for the broker except a commit itself, a rebalance and the end.
 *
 * <p>Two kinds: {@link AtLeastOnceCommits} commits consumer offsets of the batches whose every write the broker has
 * acknowledged (a crash repeats at most the records since the last commit); {@link TransactionalCommits} keeps one
 * transaction open across the batches of an interval and commits their outputs and offsets together.
 *
 * <p>Thread safety: confined to its worker's thread, except the {@link AcknowledgedOffsets.Batch} callbacks (from
 * the producer's thread).
 */
abstract class CommitPolicy {
    protected final String name;
    protected final Consumer<byte[], byte[]> consumer;
    protected final Producer<byte[], byte[]> producer;
    protected final long intervalNanos;
    protected final EngineMetrics metrics;
    /** Set by a write's callback when it fails: nothing written after it may be committed. */
    protected final AtomicReference<Exception> writeFailure;
    /** The batches written since the last commit. */
    protected final AcknowledgedOffsets pending = new AcknowledgedOffsets();

    /**
     * @param name the worker's name, for the log
     * @param interval how often to commit; zero commits after every batch
     */
    CommitPolicy(String name, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, Duration interval,
            EngineMetrics metrics, AtomicReference<Exception> writeFailure) {
        this.name = name;
        this.consumer = consumer;
        this.producer = producer;
        this.intervalNanos = interval.toNanos();
        this.metrics = metrics;
        this.writeFailure = writeFailure;
    }

    /** Called before a batch's first write: under exactly-once, opens a transaction if none is open. */
    abstract void beforeWrites();

    /**
     * Registers a batch about to be written.
     *
     * @param records the batch's input records, in poll order
     * @param writes how many records the batch will send
     * @return what each of the batch's write callbacks acknowledges
     */
    abstract AcknowledgedOffsets.Batch written(List<ConsumerRecord<byte[], byte[]>> records, int writes);

    /** Commits if the commit interval has passed since the last commit; never waits for outstanding writes. */
    abstract void maybeCommit();

    /**
     * Commits everything written so far, waiting for every outstanding write first: before a batch is held for a
     * retry, and at the end.
     */
    abstract void commitAll();

    /** Partitions are about to be revoked: commits everything written so far, then forgets those partitions. */
    abstract void partitionsRevoked(Collection<TopicPartition> revoked);

    /**
     * Partitions were taken away without a chance to commit (the member was dropped from its group): their
     * uncommitted progress is given up, for their new owner to redo.
     *
     * @param stillAssigned partitions the worker keeps, which an aborted transaction must rewind
     */
    abstract void partitionsLost(Collection<TopicPartition> lost, Collection<TopicPartition> stillAssigned);

    /**
     * The worker stops after a failure: commits what is already safe, if anything can be (acknowledged outputs
     * under at-least-once), and aborts what cannot (an open transaction). Never throws.
     */
    abstract void abandon();

    /** @return for each partition of the batch, the offset after its last record (what a commit stores). */
    static Map<TopicPartition, OffsetAndMetadata> offsetsAfter(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            offsets.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return offsets;
    }

    /**
     * Throws if a write of this worker has failed: nothing written after the failure may be committed.
     *
     * @param failure the first failed write's exception, or null
     */
    static void checkWrites(AtomicReference<Exception> failure) {
        Exception e = failure.get();
        if (e != null) {
            throw new KafkaException("a prediction or dead letter could not be written, so nothing after the last "
                    + "commit is committed: " + e, e);
        }
    }
}
