package io.inferstream.model;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import java.util.List;
import java.util.Optional;

/**
 * A loaded model, whatever framework it came from, or a remote model server behind the same interface.
 *
 * <p>The engine calls {@link #predict} once per micro-batch, never once per record, so an adapter should
 * turn the whole batch into one framework call.
 *
 * <p>Errors come in three kinds, and the exception's type is the whole contract: one record is bad
 * ({@link InvalidInputException}: it is dead-lettered, the rest of the batch goes on); the model cannot score at all
 * ({@link ModelFailureException}: the engine stops and commits nothing past the last good batch); the model cannot
 * answer now ({@link RetriableInferenceException}: the engine keeps the batch, pauses its partitions and tries the
 * same batch again with backoff). A remote model should map transient transport failures to the third kind rather
 * than retry for long itself, so that the engine can keep its consumers in their group while it waits.
 *
 * <p>Thread safety: as declared by {@link ModelInfo#threadSafe()}. When it is false the engine gives every
 * worker thread its own instance. {@link #close()} must not be called while a predict is running.
 */
public interface Model extends AutoCloseable {

    /** @return name, version, format, signature and thread safety; cheap, may be called often. */
    ModelInfo info();

    /**
     * Scores a batch.
     *
     * @param batch the input rows; not empty
     * @return one prediction per row, in the same order
     * @throws InvalidInputException if a row cannot be scored; set its batch index when known
     * @throws ModelFailureException if the model cannot score at all
     * @throws RetriableInferenceException if the model cannot answer now but may later (a remote server
     *     unreachable, a timeout, 429/503): the engine scores the same batch again after a backoff, never
     *     dead-letters it and commits nothing past it
     * @throws InferenceException for any other failure, treated as a model failure
     */
    List<Prediction> predict(List<Features> batch) throws InferenceException;

    /**
     * Finds a capability of this model or of a model it wraps, the way JDBC's {@code Wrapper.unwrap} does: a host
     * asks e.g. for Micrometer's {@code MeterBinder} to publish a remote model's own meters, without this SPI naming
     * any metrics library. Wrappers ({@link ForwardingModel}) look at themselves first, then at the wrapped model.
     *
     * @return this model as the given type, or the first wrapped model that is one; empty if none is
     */
    default <T> Optional<T> unwrap(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : Optional.empty();
    }

    /** Releases native memory and files. Idempotent; logs problems and never throws. */
    @Override
    void close();
}
