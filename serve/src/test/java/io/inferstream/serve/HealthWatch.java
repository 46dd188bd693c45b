package io.inferstream.serve;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Probes a health path every 100 ms on a fresh connection, as a Kubernetes probe does, and keeps the slowest answer
 * and the failures since the last {@link #reset()}. A probe that takes longer than 5 s counts as failed.
 */
final class HealthWatch implements AutoCloseable {
    private final int port;
    private final String path;
    private final Thread thread;
    private final AtomicLong slowestNanos = new AtomicLong();
    private final AtomicInteger probes = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private volatile boolean running = true;

    HealthWatch(int port, String path) {
        this.port = port;
        this.path = path;
        this.thread = new Thread(this::loop, "health-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        byte[] get = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        while (running) {
            long t0 = System.nanoTime();
            boolean ok;
            try {
                ok = RawHttp.exchange(port, get, 5000).status == 200;
            } catch (Exception e) {
                ok = false;
            }
            long took = System.nanoTime() - t0;
            slowestNanos.accumulateAndGet(took, Math::max);
            probes.incrementAndGet();
            if (!ok) {
                failures.incrementAndGet();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    void reset() {
        slowestNanos.set(0);
        probes.set(0);
        failures.set(0);
    }

    /** @return the slowest probe since the last reset, in milliseconds */
    long slowestMillis() {
        return slowestNanos.get() / 1_000_000;
    }

    int probes() {
        return probes.get();
    }

    int failures() {
        return failures.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}
