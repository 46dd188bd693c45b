package io.inferstream.scoring;

import java.util.List;

/**
 * A batch scored by a {@link ScoringPipeline}: one {@link ScoredRecord} per record, in order, from the serving
 * versions, and the shadow versions' predictions, which never affect the outcomes.
 *
 * <p>Thread safety: immutable.
 *
 * @param <T> the encoded prediction
 */
public final class ScoredBatch<T> {
    private final List<ScoredRecord<T>> outcomes;
    private final List<ScoredRecord<T>> shadows;
    private final int shadowFailures;

    ScoredBatch(List<ScoredRecord<T>> outcomes, List<ScoredRecord<T>> shadows, int shadowFailures) {
        this.outcomes = List.copyOf(outcomes);
        this.shadows = List.copyOf(shadows);
        this.shadowFailures = shadowFailures;
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
