package io.inferstream.remote;

import io.inferstream.config.EngineConfig;
import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoadException;
import java.time.Duration;

/**
 * How a remote model's client behaves: timeouts, retries, concurrency and circuit breaker. Read from the loader's
 * options under the engine's own key names ({@code remote.timeout.ms}, ...: the engine passes its
 * {@code remote.*} settings to a remote loader, and {@code inspect}/{@code score} take them as
 * {@code --option remote.timeout.ms=...}); a key that is absent takes the engine's documented default, so there is one
 * default per key, in {@link EngineConfig}.
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class RemoteSettings {
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

    /** @return the settings in a loader's options, each absent key at the engine's default. */
    public static RemoteSettings from(LoaderOptions options) throws ModelLoadException {
        return new RemoteSettings(
                Duration.ofMillis(positive(options, EngineConfig.REMOTE_TIMEOUT_MS)),
                Duration.ofMillis(positive(options, EngineConfig.REMOTE_CONNECT_TIMEOUT_MS)),
                (int) number(options, EngineConfig.REMOTE_RETRIES, 0),
                Duration.ofMillis(positive(options, EngineConfig.REMOTE_RETRY_BACKOFF_MS)),
                (int) positive(options, EngineConfig.REMOTE_MAX_IN_FLIGHT),
                (int) positive(options, EngineConfig.REMOTE_BREAKER_FAILURES),
                Duration.ofMillis(positive(options, EngineConfig.REMOTE_BREAKER_OPEN_MS)));
    }

    private static long positive(LoaderOptions options, String key) throws ModelLoadException {
        return number(options, key, 1);
    }

    private static long number(LoaderOptions options, String key, long min) throws ModelLoadException {
        Object fallback = EngineConfig.definition().configKeys().get(key).defaultValue;
        String text = options.string(key, String.valueOf(fallback));
        try {
            long v = Long.parseLong(text);
            if (v < min || v > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ModelLoadException("option '" + key + "' must be a whole number of at least " + min + ", not '"
                    + text + "'");
        }
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
