package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PendingCommitsTest {
    private static final TopicPartition P0 = new TopicPartition("in", 0);
    private static final TopicPartition P1 = new TopicPartition("in", 1);

    private static Map<TopicPartition, OffsetAndMetadata> offsets(TopicPartition tp, long offset) {
        return Map.of(tp, new OffsetAndMetadata(offset));
    }

    @Test
    void releasesBatchesInOrderOnlyOnceAllTheirWritesAreAcknowledged() {
        PendingCommits pending = new PendingCommits();
        PendingCommits.Batch first = pending.open(offsets(P0, 10));
        first.sending();
        first.sending();
        first.sealed();
        PendingCommits.Batch second = pending.open(Map.of(P0, new OffsetAndMetadata(20), P1, new OffsetAndMetadata(5)));
        second.sending();
        second.sealed();

        second.acknowledged(null); // the later batch first: it must wait for the earlier one
        assertTrue(pending.takeAcknowledged().isEmpty());
        first.acknowledged(null);
        assertTrue(pending.takeAcknowledged().isEmpty(), "one of the first batch's two writes is still unanswered");
        assertFalse(pending.allComplete());
        first.acknowledged(null);
        assertTrue(pending.allComplete());
        assertEquals(Map.of(P0, new OffsetAndMetadata(20), P1, new OffsetAndMetadata(5)), pending.takeAcknowledged(),
                "both batches, the later offset of each partition");
        assertTrue(pending.takeAcknowledged().isEmpty());
    }

    @Test
    void aBatchIsNotCompleteWhileItsWritesAreStillBeingSent() {
        PendingCommits pending = new PendingCommits();
        PendingCommits.Batch batch = pending.open(offsets(P0, 3));
        batch.sending();
        batch.acknowledged(null); // the first write answered before the second was even sent
        assertTrue(pending.takeAcknowledged().isEmpty());
        batch.sealed();
        assertEquals(offsets(P0, 3), pending.takeAcknowledged());
    }

    @Test
    void aFailedWriteStopsTheReleaseAtItsBatchAndHandsBackWhatCameBefore() {
        PendingCommits pending = new PendingCommits();
        PendingCommits.Batch good = pending.open(offsets(P0, 10));
        good.sealed();
        PendingCommits.Batch bad = pending.open(offsets(P0, 20));
        bad.sending();
        bad.sealed();
        PendingCommits.Batch later = pending.open(offsets(P0, 30));
        later.sealed();
        bad.acknowledged(new KafkaException("record too large"));

        PendingCommits.FailedWriteException e = assertThrows(PendingCommits.FailedWriteException.class,
                pending::takeAcknowledged);
        assertEquals(offsets(P0, 10), e.committable(), "only the batch before the failed one");
        assertTrue(e.getMessage().contains("record too large"), e.getMessage());
        assertThrows(PendingCommits.FailedWriteException.class, pending::takeAcknowledged,
                "never released past the failed batch");
    }

    @Test
    void forgottenPartitionsAreNotCommitted() {
        PendingCommits pending = new PendingCommits();
        PendingCommits.Batch batch = pending.open(Map.of(P0, new OffsetAndMetadata(4), P1, new OffsetAndMetadata(9)));
        batch.sealed();
        pending.forget(List.of(P0));
        assertEquals(offsets(P1, 9), pending.takeAcknowledged());
    }
}
