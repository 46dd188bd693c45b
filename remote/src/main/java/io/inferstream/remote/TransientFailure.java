package io.inferstream.remote;

import java.time.Duration;
import java.util.Optional;

/**
 * One attempt at a request failed in a way that another attempt may not: connection refused or reset, a timeout,
 * HTTP 429/502/503/504, gRPC UNAVAILABLE, DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED, a body cut short. Thrown by a
 * {@link Transport}, caught by {@link RemoteModel}, which retries and in the end throws
 * {@link io.inferstream.model.RetriableInferenceException}.
 *
 * <p>Thread safety: immutable.
 */
public final class TransientFailure extends Exception {
    private static final long serialVersionUID = 1L;
    private final Duration retryAfter;

    public TransientFailure(String message, Throwable cause) {
        this(message, cause, null);
    }

    /** @param retryAfter how long the server asked to wait (HTTP Retry-After), or null */
    public TransientFailure(String message, Throwable cause, Duration retryAfter) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    /** @return how long the server asked to wait, if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
