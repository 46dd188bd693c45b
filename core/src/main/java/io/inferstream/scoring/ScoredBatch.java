package io.inferstream.scoring;

import java.util.Collections;
import java.util.List;

/**
 * A batch scored by a {@link ScoringPipeline}: one {@link ScoredRecord} per record, in order, from the serving
 * versions, the shadow versions' predictions, which never affect the outcomes, and the records' keys (what a monitor
 * joins labels on).
 *
 * <p>Thread safety: immutable.
 *
 * @param <T> the encoded prediction
 */
public final class ScoredBatch<T> {
    private final List<byte[]> keys;
    private final List<ScoredRecord<T>> outcomes;
    private final List<ScoredRecord<T>> shadows;
    private final int shadowFailures;

    /**
     * Takes the lists over rather than copying them, once per batch on the hot path: the pipeline made the outcome and
     * shadow lists and hands them on, and a host's key list is read only during the call that scores it (a host does
     * not change a batch's keys while scoring it, nor later).
     */
    ScoredBatch(List<byte[]> keys, List<ScoredRecord<T>> outcomes, List<ScoredRecord<T>> shadows, int shadowFailures) {
        this.keys = Collections.unmodifiableList(keys);
        this.outcomes = Collections.unmodifiableList(outcomes);
        this.shadows = Collections.unmodifiableList(shadows);
        this.shadowFailures = shadowFailures;
    }

    /** @return the batch's record keys (null where a record has none), in the order of {@link #outcomes()}. */
    public List<byte[]> keys() {
        return keys;
    }

    /** @return one outcome per record of the batch, in the batch's order. */
    public List<ScoredRecord<T>> outcomes() {
        return outcomes;
    }

    /** @return the shadow versions' scored records ({@link ScoredRecord#index()} is the record's position). */
    public List<ScoredRecord<T>> shadows() {
        return shadows;
    }

    /** @return shadow scorings that failed; they never affect the outcomes. */
    public int shadowFailures() {
        return shadowFailures;
    }
}
