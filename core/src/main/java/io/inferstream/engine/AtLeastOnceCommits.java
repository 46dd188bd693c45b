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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At-least-once commits on an interval: every {@code commit.interval.ms} the worker commits, asynchronously, the
 * offsets of the batches whose every output the broker has acknowledged; it never flushes the producer for that, so
 * polling, scoring and the producer's sends overlap. Before partitions are revoked, before a batch is held and at
 * the end it flushes and commits synchronously, so a rebalance or a graceful stop repeats nothing.
 *
 * <p>What a crash costs: the records read since the last commit are read again (duplicates, never losses), so the
 * interval bounds them: about {@code commit.interval.ms} × the worker's rate, plus the writes in flight.
 *
 * <p>Thread safety: confined to the worker's thread; the batches' acknowledgements come from the producer's.
 */
final class AtLeastOnceCommits extends CommitPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(AtLeastOnceCommits.class);

    /**
     * The highest acknowledged offset of each owned partition. Every commit sends all of it, so an asynchronous
     * commit that failed (a rebalance in progress) is made good by the next one.
     */
    private final Map<TopicPartition, OffsetAndMetadata> safe = new HashMap<>();
    private boolean uncommitted;
    private long lastCommitNanos = System.nanoTime();

    /**
     * @param interval how often to commit; zero commits after every batch (what is acknowledged by then)
     * @param writeFailure set by a write's callback when it fails: nothing is committed after that
     */
    AtLeastOnceCommits(String name, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
            Duration interval, EngineMetrics metrics, AtomicReference<Exception> writeFailure) {
        super(name, consumer, producer, interval, metrics, writeFailure);
    }

    @Override
    void beforeWrites() {
    }

    @Override
    AcknowledgedOffsets.Batch written(List<ConsumerRecord<byte[], byte[]>> records, int writes) {
        return pending.add(CommitPolicy.offsetsAfter(records), writes);
    }

    @Override
    void maybeCommit() {
        long now = System.nanoTime();
        if (now - lastCommitNanos < intervalNanos) {
            return;
        }
        lastCommitNanos = now;
        CommitPolicy.checkWrites(writeFailure);
        takeAcknowledged();
        if (!uncommitted) {
            return;
        }
        uncommitted = false;
        consumer.commitAsync(new HashMap<>(safe), (offsets, e) -> {
            if (e != null) {
                // The next commit carries these offsets again; until then a crash repeats a little more.
                LOG.info("{}: an interval commit failed ({}); the next commit covers its offsets", name, e.toString());
                uncommitted = true;
            }
        });
        metrics.countCommit();
    }

    @Override
    void commitAll() {
        CommitPolicy.checkWrites(writeFailure);
        producer.flush();
        CommitPolicy.checkWrites(writeFailure);
        takeAcknowledged();
        if (uncommitted) {
            commitSync(null);
        }
        lastCommitNanos = System.nanoTime();
    }

    @Override
    void partitionsRevoked(Collection<TopicPartition> revoked) {
        commitAll();
        safe.keySet().removeAll(revoked);
        pending.forget(revoked);
    }

    @Override
    void partitionsLost(Collection<TopicPartition> lost, Collection<TopicPartition> stillAssigned) {
        safe.keySet().removeAll(lost);
        pending.forget(lost);
    }

    @Override
    void abandon() {
        // No flush: after a failure the broker may be what failed. What is acknowledged already is safe to commit.
        try {
            takeAcknowledged();
            if (uncommitted) {
                commitSync(Duration.ofSeconds(5));
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: could not commit the acknowledged offsets while stopping after a failure: {}", name,
                    e.toString());
        }
    }

    private void takeAcknowledged() {
        Map<TopicPartition, OffsetAndMetadata> acknowledged = pending.takeAcknowledged();
        if (!acknowledged.isEmpty()) {
            safe.putAll(acknowledged);
            uncommitted = true;
        }
    }

    /** @param timeout how long to wait, or null for the consumer's {@code default.api.timeout.ms} */
    private void commitSync(Duration timeout) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(safe);
        while (true) {
            try {
                if (timeout == null) {
                    consumer.commitSync(offsets);
                } else {
                    consumer.commitSync(offsets, timeout);
                }
                break;
            } catch (WakeupException e) {
                // close() or another worker's failure woke us mid-commit. The outputs are written, so the commit
                // must still happen; retry until it does (each wake-up is spent by the exception it causes).
                LOG.debug("{}: woken during commit, committing again", name);
            }
        }
        uncommitted = false;
        metrics.countCommit();
    }
}
