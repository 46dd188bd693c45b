package io.inferstream.model;

import java.time.Duration;
import java.util.Optional;

/**
 * The model could not answer now, but may answer the same batch later: a remote model server unreachable or
 * overloaded, a timeout, an HTTP 429/502/503/504, a gRPC UNAVAILABLE or DEADLINE_EXCEEDED. Nothing is wrong with the
 * records, and nothing is known to be wrong with the model itself.
 *
 * <p>The engine neither dead-letters the batch nor stops: it keeps the batch, commits nothing past it, pauses its
 * input partitions (while still polling, so its consumer stays in the group), and offers the same batch again with
 * exponential backoff until the model answers, the partitions move to another member, or the engine is closed.
 * Callers that cannot wait (e.g. offline {@code score}) treat it as a {@link ModelFailureException}.
 *
 * <p>Throw it only for the whole call; a rejection tied to one record is an {@link InvalidInputException}, and a
 * failure that waiting will not cure (a model that cannot load, a server that refuses the request as malformed) is a
 * {@link ModelFailureException}.
 */
public class RetriableInferenceException extends InferenceException {
    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    /** A transient failure without a hint: the engine's own backoff decides when to try again. */
    public RetriableInferenceException(String message, Throwable cause) {
        this(message, cause, null);
    }

    /**
     * @param retryAfter how long the server asked to wait (e.g. an HTTP {@code Retry-After}), or null; the engine
     *     waits at least this long, but never longer than its {@code retry.backoff.max.ms}
     */
    public RetriableInferenceException(String message, Throwable cause, Duration retryAfter) {
        super(message, cause);
        if (retryAfter != null && retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
        }
        this.retryAfter = retryAfter;
    }

    /** @return how long the model asked to wait before the next attempt, if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
