package io.inferstream.scoring;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.deploy.DeployedVersion;

/**
 * One record's outcome on the scoring path, the only outcome type there is: scored (the decoded row, the model's
 * {@link Prediction} and its encoded {@link #output()}) or rejected (the {@link DeadLetterHeaders} stage and the
 * reason). Every host reads this same type: the engine, {@code score}, the Kafka Streams processor, the Flink
 * operator and Flink SQL.
 *
 * <p>Thread safety: immutable (the row and prediction are immutable; the output is the encoder's).
 *
 * @param <T> the encoded prediction, e.g. JSON bytes; a {@link RecordScorer}, which does not encode, gives the
 *     {@link Prediction} itself
 */
public final class ScoredRecord<T> {
    private final int index;
    private final DeployedVersion version;
    private final Features features;
    private final Prediction prediction;
    private final T output;
    private final String stage;
    private final Exception error;

    private ScoredRecord(int index, DeployedVersion version, Features features, Prediction prediction, T output,
            String stage, Exception error) {
        this.index = index;
        this.version = version;
        this.features = features;
        this.prediction = prediction;
        this.output = output;
        this.stage = stage;
        this.error = error;
    }

    static <T> ScoredRecord<T> scored(int index, DeployedVersion version, Features features, Prediction prediction,
            T output) {
        return new ScoredRecord<>(index, version, features, prediction, output, null, null);
    }

    static <T> ScoredRecord<T> rejected(int index, DeployedVersion version, String stage, Exception error) {
        return new ScoredRecord<>(index, version, null, null, null, stage, error);
    }

    /** @return the same outcome as another record of a batch, of a version, with the prediction encoded. */
    <U> ScoredRecord<U> as(int index, DeployedVersion version, U output) {
        return new ScoredRecord<>(index, version, features, prediction, output, stage, error);
    }

    /** @return the record's position in the batch it was scored with. */
    public int index() {
        return index;
    }

    /** @return true if the record was scored. */
    public boolean ok() {
        return prediction != null;
    }

    /**
     * @return the version the record was routed to (its name and version go on the output's headers), or null when
     *     scored by a bare {@link RecordScorer} outside any deployment
     */
    public DeployedVersion version() {
        return version;
    }

    /** @return the decoded row that was scored, or null if rejected (monitoring reads it for input drift). */
    public Features features() {
        return features;
    }

    /** @return the model's prediction, or null if rejected. */
    public Prediction prediction() {
        return prediction;
    }

    /** @return the encoded prediction (what a host writes out), or null if rejected. */
    public T output() {
        return output;
    }

    /** @return the dead-letter stage of a rejection ({@link DeadLetterHeaders#STAGE_DECODE}, ...), or null. */
    public String stage() {
        return stage;
    }

    /** @return why the record was rejected, or null. */
    public Exception error() {
        return error;
    }
}
