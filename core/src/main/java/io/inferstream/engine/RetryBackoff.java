package io.inferstream.engine;

import io.inferstream.model.RetriableInferenceException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * How long a worker waits before it offers a held batch to a model that could not answer
 * ({@link RetriableInferenceException}): exponential from {@code retry.backoff.initial.ms}, doubling per attempt, up
 * to {@code retry.backoff.max.ms}, with "equal jitter" (a random point in the upper half of the step), so that the
 * workers of many engines that lost the same server do not come back at it in lockstep, yet never retry at once.
 * A retry-after the model asks for is honoured up to the maximum.
 *
 * <p>Thread safety: immutable; thread-safe if its random source is.
 */
final class RetryBackoff {
    private final long initialMs;
    private final long maxMs;
    private final DoubleSupplier random;

    RetryBackoff(long initialMs, long maxMs) {
        this(initialMs, maxMs, () -> java.util.concurrent.ThreadLocalRandom.current().nextDouble());
    }

    /** @param random values in [0, 1) */
    RetryBackoff(long initialMs, long maxMs, DoubleSupplier random) {
        if (initialMs < 1 || maxMs < initialMs) {
            throw new IllegalArgumentException("need 1 <= initial <= max, got " + initialMs + " and " + maxMs);
        }
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.random = random;
    }

    long initialMs() {
        return initialMs;
    }

    long maxMs() {
        return maxMs;
    }

    /**
     * @param attempt the failed attempts so far, from 1
     * @param retryAfter what the model asked for, if anything
     * @return milliseconds to wait before the next attempt, in [1, max]
     */
    long delayMs(int attempt, Optional<Duration> retryAfter) {
        int doublings = Math.min(Math.max(attempt, 1) - 1, 62);
        long step = initialMs << Math.min(doublings, Long.numberOfLeadingZeros(initialMs) - 1);
        step = Math.min(step, maxMs);
        long jittered = Math.max(1, step / 2 + (long) (random.getAsDouble() * (step - step / 2)));
        long asked = retryAfter.map(Duration::toMillis).orElse(0L);
        return Math.min(maxMs, Math.max(jittered, asked));
    }
}
