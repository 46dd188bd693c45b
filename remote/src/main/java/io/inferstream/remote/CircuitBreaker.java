package io.inferstream.remote;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Stops calling a server that keeps failing: after {@code failures} consecutive transient failures it opens, and
 * every call is refused at once (no connection, no timeout to wait out) for {@code openFor}; then it is half-open
 * and lets exactly one probe call through: the probe's success closes it, its failure opens it again for another
 * {@code openFor}. One success anywhere resets the count.
 *
 * <p>Why: while a server is down, each held batch would otherwise cost the full connect or request timeout and
 * keep load on a server that is trying to recover; the engine's own backoff decides when the next batch is
 * offered, and the breaker turns the attempts in between into cheap refusals.
 *
 * <p>Thread safety: thread-safe (synchronized; a few field updates per call).
 */
public final class CircuitBreaker {
    /** The breaker's states. */
    public enum State {
        /** Calls go through. */
        CLOSED,
        /** Calls are refused until the open period ends. */
        OPEN,
        /** One probe call is allowed; its outcome closes or opens the breaker. */
        HALF_OPEN
    }

    private final int failures;
    private final long openForNanos;
    private final LongSupplier nanoClock;
    private int consecutiveFailures;
    private State state = State.CLOSED;
    private long openedAt;
    private boolean probing;

    /** A breaker on the system's monotonic clock. */
    public CircuitBreaker(int failures, Duration openFor) {
        this(failures, openFor, System::nanoTime);
    }

    /** A breaker on the given clock (nanoseconds, monotonic), for tests. */
    CircuitBreaker(int failures, Duration openFor, LongSupplier nanoClock) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures must be at least 1: " + failures);
        }
        this.failures = failures;
        this.openForNanos = openFor.toNanos();
        this.nanoClock = nanoClock;
    }

    /**
     * @return true if a call may go to the server now; when it returns true the caller must report the call's outcome
     *     with {@link #onSuccess()} or {@link #onFailure()}, or {@link #onAbandoned()} if it made no call after all
     */
    public synchronized boolean tryAcquire() {
        if (state == State.OPEN && nanoClock.getAsLong() - openedAt >= openForNanos) {
            state = State.HALF_OPEN;
            probing = false;
        }
        switch (state) {
            case CLOSED:
                return true;
            case HALF_OPEN:
                if (probing) {
                    return false;
                }
                probing = true;
                return true;
            default:
                return false;
        }
    }

    /** The call was answered: the server is back. */
    public synchronized void onSuccess() {
        consecutiveFailures = 0;
        state = State.CLOSED;
        probing = false;
    }

    /** The call failed transiently. */
    public synchronized void onFailure() {
        consecutiveFailures++;
        if (state == State.HALF_OPEN || consecutiveFailures >= failures) {
            state = State.OPEN;
            openedAt = nanoClock.getAsLong();
        }
        probing = false;
    }

    /** A permitted call was not made (e.g. no in-flight slot): a half-open breaker may let the next one probe. */
    public synchronized void onAbandoned() {
        probing = false;
    }

    /** @return the state now (an open breaker whose period has ended still reads OPEN until the next call). */
    public synchronized State state() {
        return state;
    }

    /** @return how long an open breaker still refuses calls, zero otherwise; a hint for the engine's next attempt. */
    public synchronized Duration remainingOpen() {
        if (state != State.OPEN) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(0, openForNanos - (nanoClock.getAsLong() - openedAt)));
    }
}
