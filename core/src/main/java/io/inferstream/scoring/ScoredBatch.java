package io.inferstream.scoring;

import java.util.ArrayList;
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

    ScoredBatch(List<byte[]> keys, List<ScoredRecord<T>> outcomes, List<ScoredRecord<T>> shadows, int shadowFailures) {
        // Keys may be null, which List.copyOf refuses.
        this.keys = Collections.unmodifiableList(new ArrayList<>(keys));
        this.outcomes = List.copyOf(outcomes);
        this.shadows = List.copyOf(shadows);
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
