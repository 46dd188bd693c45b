package io.inferstream.http;

import java.time.Duration;
import java.util.Objects;

/**
 * What one HTTP endpoint allows a client: how long it may take to send a request's head and body, how long a
 * connection may sit idle, how many connections and threads it may hold, and how large a request's head and body may
 * be. The defaults suit a server on 127.0.0.1 behind probes and scrapers; every limit is there so that one slow or
 * hostile client cannot starve the others.
 *
 * <p>Thread safety: immutable; the {@code with...} methods return changed copies.
 */
public final class HttpLimits {
    private final Duration headerTimeout;
    private final Duration bodyTimeout;
    private final Duration idleTimeout;
    private final int maxConnections;
    private final int maxThreads;
    private final int maxHeaderBytes;
    private final long maxBodyBytes;

    private HttpLimits(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout, int maxConnections,
            int maxThreads, int maxHeaderBytes, long maxBodyBytes) {
        this.headerTimeout = positive(headerTimeout, "header timeout");
        this.bodyTimeout = positive(bodyTimeout, "body timeout");
        this.idleTimeout = positive(idleTimeout, "idle timeout");
        this.maxConnections = atLeast(maxConnections, 1, "max connections");
        this.maxThreads = atLeast(maxThreads, 8, "max threads");
        this.maxHeaderBytes = atLeast(maxHeaderBytes, 1024, "max header bytes");
        if (maxBodyBytes < 0 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("max body bytes must be between 0 and " + (Integer.MAX_VALUE - 8)
                    + ", not " + maxBodyBytes);
        }
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * @return 10 s for a request's head, 30 s for its body, 30 s idle, 1,000 connections, 64 threads, 16 KiB of
     *     head, and a body cap of 64 MiB or an eighth of the heap, whichever is smaller
     */
    public static HttpLimits defaults() {
        long heapShare = Runtime.getRuntime().maxMemory() / 8;
        return new HttpLimits(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30), 1000, 64,
                16 << 10, Math.min(64L << 20, heapShare));
    }

    /** A connection that has not sent a complete request head this long after it opened is closed. */
    public HttpLimits withHeaderTimeout(Duration timeout) {
        return new HttpLimits(timeout, bodyTimeout, idleTimeout, maxConnections, maxThreads, maxHeaderBytes,
                maxBodyBytes);
    }

    /** A request whose body has not fully arrived this long after its head is answered 408 and closed. */
    public HttpLimits withBodyTimeout(Duration timeout) {
        return new HttpLimits(headerTimeout, timeout, idleTimeout, maxConnections, maxThreads, maxHeaderBytes,
                maxBodyBytes);
    }

    /** A connection on which no byte moves this long is closed (between requests too). */
    public HttpLimits withIdleTimeout(Duration timeout) {
        return new HttpLimits(headerTimeout, bodyTimeout, timeout, maxConnections, maxThreads, maxHeaderBytes,
                maxBodyBytes);
    }

    /** Connections beyond this wait in the operating system's backlog until one closes. */
    public HttpLimits withMaxConnections(int connections) {
        return new HttpLimits(headerTimeout, bodyTimeout, idleTimeout, connections, maxThreads, maxHeaderBytes,
                maxBodyBytes);
    }

    /** Threads that run handlers (at least 8: the server's acceptor and selector take some). */
    public HttpLimits withMaxThreads(int threads) {
        return new HttpLimits(headerTimeout, bodyTimeout, idleTimeout, maxConnections, threads, maxHeaderBytes,
                maxBodyBytes);
    }

    /** A request head (request line and headers) larger than this is answered 431. */
    public HttpLimits withMaxHeaderBytes(int bytes) {
        return new HttpLimits(headerTimeout, bodyTimeout, idleTimeout, maxConnections, maxThreads, bytes,
                maxBodyBytes);
    }

    /** A body larger than this is answered 413, from its Content-Length or as soon as it passes the cap. */
    public HttpLimits withMaxBodyBytes(long bytes) {
        return new HttpLimits(headerTimeout, bodyTimeout, idleTimeout, maxConnections, maxThreads, maxHeaderBytes,
                bytes);
    }

    public Duration headerTimeout() {
        return headerTimeout;
    }

    public Duration bodyTimeout() {
        return bodyTimeout;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int maxThreads() {
        return maxThreads;
    }

    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    @Override
    public String toString() {
        return "header timeout " + headerTimeout + ", body timeout " + bodyTimeout + ", idle timeout " + idleTimeout
                + ", " + maxConnections + " connections, " + maxThreads + " threads, head <= " + maxHeaderBytes
                + " B, body <= " + maxBodyBytes + " B";
    }

    private static Duration positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(what + " must be positive, not " + d);
        }
        return d;
    }

    private static int atLeast(int value, int min, String what) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be at least " + min + ", not " + value);
        }
        return value;
    }
}
