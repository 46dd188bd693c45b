package io.inferstream.engine;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of batches whose outputs were sent but not yet all acknowledged, released for commit in batch order.
 *
 * <p>Why: waiting for every batch's acknowledgements and then for a synchronous commit before the next poll leaves
 * the worker idle for two broker round trips per batch, and every record that arrives meanwhile waits too. Instead
 * the worker sends a batch and polls the next one at once; a batch's offsets become committable only when the
 * producer has acknowledged every one of its writes, and only after every earlier batch's have been (so a commit
 * never covers an unwritten output: at-least-once holds). A failed write stops the release at that batch: neither
 * it nor any later batch is ever committed.
 *
 * <p>Thread safety: {@link #open}, {@link #takeAcknowledged}, {@link #forget} and {@link #allComplete} are called on the
 * worker's thread only; a {@link Batch}'s acknowledgement methods may be called from the producer's I/O thread.
 */
final class PendingCommits {
    private final ArrayDeque<Batch> batches = new ArrayDeque<>();

    /**
     * The writes of one batch. Counts start at one for the batch itself, so a batch is not complete while its writes
     * are still being sent; {@link #sealed()} gives that one back.
     */
    static final class Batch {
        private final Map<TopicPartition, OffsetAndMetadata> offsets;
        private final AtomicInteger outstanding = new AtomicInteger(1);
        private final AtomicReference<Exception> failure = new AtomicReference<>();

        private Batch(Map<TopicPartition, OffsetAndMetadata> offsets) {
            this.offsets = offsets;
        }

        /** Call before each write of the batch is sent. */
        void sending() {
            outstanding.incrementAndGet();
        }

        /** The producer's answer to one write: null for success. */
        void acknowledged(Exception error) {
            if (error != null) {
                failure.compareAndSet(null, error);
            }
            outstanding.decrementAndGet();
        }

        /** Every write of the batch has been sent. */
        void sealed() {
            outstanding.decrementAndGet();
        }

        /** @return the first failed write's error, or null */
        Exception failure() {
            return failure.get();
        }

        boolean complete() {
            return outstanding.get() == 0;
        }
    }

    /** Starts tracking a batch that will commit {@code offsets} once all its writes are acknowledged. */
    Batch open(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Batch batch = new Batch(new HashMap<>(offsets));
        batches.addLast(batch);
        return batch;
    }

    /**
     * Removes the complete batches at the head of the queue and merges their offsets.
     *
     * @return the offsets to commit (empty when the oldest batch is still waiting)
     * @throws KafkaException if the oldest incomplete batch had a failed write: nothing from it on may be committed
     */
    Map<TopicPartition, OffsetAndMetadata> takeAcknowledged() {
        Map<TopicPartition, OffsetAndMetadata> merged = new HashMap<>();
        while (!batches.isEmpty() && batches.peekFirst().complete()) {
            Batch head = batches.peekFirst();
            if (head.failure() != null) {
                // Offsets released before the failed batch are still returned by the exception's holder: commit
                // them first, so a restart re-reads only from the failed batch on.
                throw new FailedWriteException(merged, head.failure());
            }
            batches.removeFirst();
            merged.putAll(head.offsets); // later batches have higher offsets for the same partition
        }
        return merged;
    }

    /** Drops the offsets of partitions this worker no longer owns (lost without a chance to commit). */
    void forget(Collection<TopicPartition> partitions) {
        for (Batch batch : batches) {
            batch.offsets.keySet().removeAll(partitions);
        }
    }

    /** @return true if every batch sent has all its writes answered (acknowledged or failed) */
    boolean allComplete() {
        for (Batch batch : batches) {
            if (!batch.complete()) {
                return false;
            }
        }
        return true;
    }

    /** A write of a batch failed; {@link #committable()} are the offsets of the complete batches before it. */
    static final class FailedWriteException extends KafkaException {
        private static final long serialVersionUID = 1L;
        private final transient Map<TopicPartition, OffsetAndMetadata> committable;

        FailedWriteException(Map<TopicPartition, OffsetAndMetadata> committable, Exception cause) {
            super("a prediction or dead letter could not be written, so its batch and every later one stay "
                    + "uncommitted: " + cause, cause);
            this.committable = committable;
        }

        Map<TopicPartition, OffsetAndMetadata> committable() {
            return committable;
        }
    }
}
