package io.inferstream.engine;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets a worker may commit: its written batches in poll order, each with the writes (predictions, dead
 * letters, shadow predictions) the broker has not acknowledged yet. Only the longest prefix of batches whose every
 * write is acknowledged may be committed, so an offset is never committed before all the outputs of the records
 * below it are safe, even though acknowledgements of different partitions come back in any order.
 *
 * <p>This is what lets the worker commit on an interval without flushing the producer after every batch: it keeps
 * polling, scoring and sending while earlier batches' writes are in flight, and a commit takes only what is
 * already acknowledged.
 *
 * <p>Thread safety: {@link #add}, {@link #takeAcknowledged}, {@link #takeAll}, {@link #forget} and
 * {@link #isEmpty} are for the worker's thread only; {@link Batch#acknowledged()} may be called from any thread
 * (the producer's callbacks).
 */
final class AcknowledgedOffsets {
    private final ArrayDeque<Batch> batches = new ArrayDeque<>();

    /** One written batch: the offsets after its records, and how many of its writes await acknowledgement. */
    static final class Batch {
        private final Map<TopicPartition, OffsetAndMetadata> offsets;
        private final AtomicInteger unacknowledged;

        private Batch(Map<TopicPartition, OffsetAndMetadata> offsets, int writes) {
            this.offsets = offsets;
            this.unacknowledged = new AtomicInteger(writes);
        }

        /** Called once per write the broker acknowledged. */
        void acknowledged() {
            unacknowledged.decrementAndGet();
        }

        boolean complete() {
            return unacknowledged.get() <= 0;
        }
    }

    /**
     * Registers a batch before its first write is sent (its callbacks may complete before this returns otherwise).
     *
     * @param offsets for each partition of the batch, the offset after its last record
     * @param writes the records the batch will send
     */
    Batch add(Map<TopicPartition, OffsetAndMetadata> offsets, int writes) {
        Batch batch = new Batch(offsets, writes);
        batches.addLast(batch);
        return batch;
    }

    /** @return the offsets of the acknowledged prefix of batches (merged per partition), which are dropped here. */
    Map<TopicPartition, OffsetAndMetadata> takeAcknowledged() {
        Map<TopicPartition, OffsetAndMetadata> merged = new HashMap<>();
        while (!batches.isEmpty() && batches.peekFirst().complete()) {
            merged.putAll(batches.pollFirst().offsets); // later batches carry higher offsets
        }
        return merged;
    }

    /**
     * @return the offsets of every batch, acknowledged or not, which are dropped here: for a transaction, whose
     *     commit makes all its writes and offsets visible together
     */
    Map<TopicPartition, OffsetAndMetadata> takeAll() {
        Map<TopicPartition, OffsetAndMetadata> merged = new HashMap<>();
        while (!batches.isEmpty()) {
            merged.putAll(batches.pollFirst().offsets);
        }
        return merged;
    }

    /**
     * Drops the offsets of partitions this worker no longer owns (lost without a chance to commit): their next
     * owner reads those records again.
     */
    void forget(Collection<TopicPartition> partitions) {
        Set<TopicPartition> gone = new HashSet<>(partitions);
        for (Iterator<Batch> it = batches.iterator(); it.hasNext(); ) {
            Batch batch = it.next();
            batch.offsets.keySet().removeAll(gone);
            if (batch.offsets.isEmpty() && batch.complete()) {
                it.remove();
            }
        }
    }

    /** @return true if nothing awaits a commit. */
    boolean isEmpty() {
        return batches.isEmpty();
    }
}
