package io.inferstream.remote;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.OptionSpec;
import java.time.Duration;

/**
 * How a remote model's client behaves: timeouts, retries, concurrency and circuit breaker. Read from the loader's
 * options under the engine's key names ({@code remote.timeout.ms}, ...: the engine passes its {@code remote.*}
 * settings to a remote loader, and {@code inspect}/{@code score} take them as {@code --option remote.timeout.ms=...}).
 * The keys are declared here, once, with their types, defaults and bounds ({@link #OPTIONS}): the remote loaders
 * declare them as their options, so the configuration reference lists them and a typo gets a "did you mean".
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class RemoteSettings {
    public static final String TIMEOUT_MS = "remote.timeout.ms";
    public static final String CONNECT_TIMEOUT_MS = "remote.connect.timeout.ms";
    public static final String RETRIES = "remote.retries";
    public static final String RETRY_BACKOFF_MS = "remote.retry.backoff.ms";
    public static final String MAX_IN_FLIGHT = "remote.max.in.flight";
    public static final String BREAKER_FAILURES = "remote.breaker.failures";
    public static final String BREAKER_OPEN_MS = "remote.breaker.open.ms";

    /** The client's options, with their defaults and bounds: the one definition of the {@code remote.*} keys. */
    public static final OptionSpec OPTIONS = OptionSpec.builder()
            .longInteger(TIMEOUT_MS, 10_000L, 1, 3_600_000, "With a remote model: longest wait for the server's "
                    + "answer to one request (one request carries a whole batch). A timeout is transient: it is "
                    + "retried, and never dead-letters a record.")
            .longInteger(CONNECT_TIMEOUT_MS, 2_000L, 1, 600_000,
                    "With a remote model: longest wait to open a connection to the server.")
            .integer(RETRIES, 2, 0, 100, "With a remote model: attempts after the first at one request that failed "
                    + "transiently (connection refused or reset, timeout, HTTP 429/502/503/504, gRPC UNAVAILABLE, "
                    + "DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED). When they are spent the batch is held and retried by the "
                    + "engine (retry.backoff.*), with its partitions paused: nothing is dead-lettered or committed.")
            .longInteger(RETRY_BACKOFF_MS, 50L, 1, 60_000, "With a remote model: the first wait between two attempts "
                    + "at one request, doubling per attempt, with jitter (a random point in the upper half of each "
                    + "step).")
            .integer(MAX_IN_FLIGHT, 4, 1, 1024, "With a remote model: most requests this engine has open at the "
                    + "server at once (a worker sends one request per batch and waits for it, so this caps the "
                    + "workers that call at once).")
            .integer(BREAKER_FAILURES, 5, 1, 10_000, "With a remote model: consecutive transient failures that open "
                    + "the circuit breaker. While open, calls fail at once without reaching the server (the engine "
                    + "holds its batches); after remote.breaker.open.ms one probe request goes through, and its "
                    + "success closes it.")
            .longInteger(BREAKER_OPEN_MS, 5_000L, 1, 3_600_000,
                    "With a remote model: how long the circuit breaker stays open before a probe request.")
            .build();

    private final Duration timeout;
    private final Duration connectTimeout;
    private final int retries;
    private final Duration retryBackoff;
    private final int maxInFlight;
    private final int breakerFailures;
    private final Duration breakerOpen;

    /** Settings given directly, e.g. by a test or an application that builds a transport in code. */
    public RemoteSettings(Duration timeout, Duration connectTimeout, int retries, Duration retryBackoff,
            int maxInFlight, int breakerFailures, Duration breakerOpen) {
        if (retries < 0 || maxInFlight < 1 || breakerFailures < 1) {
            throw new IllegalArgumentException("retries must be >= 0, maxInFlight and breakerFailures >= 1");
        }
        this.timeout = timeout;
        this.connectTimeout = connectTimeout;
        this.retries = retries;
        this.retryBackoff = retryBackoff;
        this.maxInFlight = maxInFlight;
        this.breakerFailures = breakerFailures;
        this.breakerOpen = breakerOpen;
    }

    /**
     * @return the settings in a loader's options, each absent key at its default
     * @throws ModelLoadException if a value is not a whole number within its bounds ({@link #OPTIONS})
     */
    public static RemoteSettings from(LoaderOptions options) throws ModelLoadException {
        return new RemoteSettings(
                Duration.ofMillis(number(options, TIMEOUT_MS)),
                Duration.ofMillis(number(options, CONNECT_TIMEOUT_MS)),
                (int) number(options, RETRIES),
                Duration.ofMillis(number(options, RETRY_BACKOFF_MS)),
                (int) number(options, MAX_IN_FLIGHT),
                (int) number(options, BREAKER_FAILURES),
                Duration.ofMillis(number(options, BREAKER_OPEN_MS)));
    }

    private static long number(LoaderOptions options, String key) throws ModelLoadException {
        OptionSpec.Option option = OPTIONS.option(key);
        String text = options.string(key, option.defaultValue());
        option.check(key, text);
        return Long.parseLong(text);
    }

    /** @return the longest wait for one answer. */
    public Duration timeout() {
        return timeout;
    }

    /** @return the longest wait to connect. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return attempts after the first at a request that failed transiently. */
    public int retries() {
        return retries;
    }

    /** @return the first wait between two attempts; it doubles per attempt. */
    public Duration retryBackoff() {
        return retryBackoff;
    }

    /** @return the most requests open at once. */
    public int maxInFlight() {
        return maxInFlight;
    }

    /** @return consecutive transient failures that open the breaker. */
    public int breakerFailures() {
        return breakerFailures;
    }

    /** @return how long the breaker stays open before it lets a probe through. */
    public Duration breakerOpen() {
        return breakerOpen;
    }

    @Override
    public String toString() {
        return "timeout " + timeout.toMillis() + " ms, connect " + connectTimeout.toMillis() + " ms, " + retries
                + " retries from " + retryBackoff.toMillis() + " ms, " + maxInFlight + " in flight, breaker after "
                + breakerFailures + " failures for " + breakerOpen.toMillis() + " ms";
    }
}
