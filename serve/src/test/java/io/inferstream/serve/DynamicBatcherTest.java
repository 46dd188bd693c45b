package io.inferstream.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.scoring.BadRecordIsolation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The batcher alone, with a scorer that doubles {@code x} and rejects a record whose {@code x} is negative (with its
 * index, or without one): merged batches, and a bad record failing only its own request.
 */
class DynamicBatcherTest {
    private final List<Integer> callSizes = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final java.util.concurrent.atomic.AtomicInteger entered = new java.util.concurrent.atomic.AtomicInteger();

    /** Waits until the scorer has been entered {@code n} times: the batcher thread is then busy scoring. */
    private void awaitEntered(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (entered.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(entered.get() >= n, "the batcher never called the model");
    }

    /** A scorer whose every lease is version "1" scoring with the call. */
    private static DynamicBatcher.Scorer scorer(BadRecordIsolation.ModelCall call) {
        return version -> new DynamicBatcher.Lease() {
            @Override
            public String version() {
                return "1";
            }

            @Override
            public List<Prediction> predict(List<Features> rows) throws InferenceException {
                return call.predict(rows);
            }

            @Override
            public void close() {
            }
        };
    }

    private List<Prediction> doubling(List<Features> rows, boolean sayWhich) throws InvalidInputException {
        callSizes.add(rows.size());
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            double x = rows.get(i).get("x").getDouble(0);
            if (x < 0) {
                throw sayWhich ? new InvalidInputException(i, "x", "negative") : new InvalidInputException("x", "negative");
            }
            out.add(Prediction.of(Map.of("y", Tensor.scalar(2 * x))));
        }
        return out;
    }

    private void await(CountDownLatch gate) {
        entered.incrementAndGet();
        try {
            gate.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<Features> rows(double... xs) {
        List<Features> rows = new ArrayList<>();
        for (double x : xs) {
            rows.add(Features.of("x", Tensor.scalar(x)));
        }
        return rows;
    }

    private static double y(DynamicBatcher.Scored s, int i) {
        return s.predictions.get(i).output("y").getDouble(0);
    }

    /** Submits requests while the first batch is being scored, so they all wait together for the next one. */
    private List<CompletableFuture<DynamicBatcher.Scored>> submitTogether(DynamicBatcher batcher, CountDownLatch gate,
            List<List<Features>> requests) throws Exception {
        CompletableFuture<DynamicBatcher.Scored> blocker = batcher.submit(null, rows(0));
        List<CompletableFuture<DynamicBatcher.Scored>> out = new ArrayList<>();
        // The blocker's call holds the batcher thread until all requests below are queued.
        awaitEntered(1);
        requests.forEach(r -> out.add(batcher.submit(null, r)));
        gate.countDown();
        blocker.get(30, TimeUnit.SECONDS);
        return out;
    }

    @Test
    void mergesWaitingRequestsAndSplitsTheAnswers() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (DynamicBatcher batcher = new DynamicBatcher("t", scorer(r -> {
            await(gate);
            return doubling(r, true);
        }), 100, Duration.ZERO)) {
            List<CompletableFuture<DynamicBatcher.Scored>> results = submitTogether(batcher, gate,
                    List.of(rows(1, 2), rows(3), rows(4, 5, 6)));
            assertEquals(2.0, y(results.get(0).get(30, TimeUnit.SECONDS), 0));
            assertEquals(4.0, y(results.get(0).get(), 1));
            assertEquals(6.0, y(results.get(1).get(), 0));
            assertEquals(12.0, y(results.get(2).get(), 2));
            assertEquals(List.of(1, 6), callSizes);
            BatchStats stats = batcher.stats();
            assertEquals(1, stats.mergedCalls());
            assertEquals(6, stats.largestBatch());
            assertEquals(4, stats.requests());
        }
    }

    /**
     * Submits three requests together, the middle one holding a negative x, and checks that the other two are answered.
     *
     * @return the middle request's error
     */
    private ServeError onlyTheMiddleRequestFails(DynamicBatcher batcher, CountDownLatch gate) throws Exception {
        List<CompletableFuture<DynamicBatcher.Scored>> results = submitTogether(batcher, gate,
                List.of(rows(1), rows(2, -1), rows(3)));
        assertEquals(2.0, y(results.get(0).get(30, TimeUnit.SECONDS), 0));
        assertEquals(6.0, y(results.get(2).get(30, TimeUnit.SECONDS), 0));
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> results.get(1).join());
        return ServeError.of(e);
    }

    @Test
    void aRejectedRecordFailsOnlyItsOwnRequest() throws Exception {
        for (boolean sayWhich : new boolean[] {true, false}) {
            CountDownLatch gate = new CountDownLatch(1);
            try (DynamicBatcher batcher = new DynamicBatcher("t", scorer(r -> {
                await(gate);
                return doubling(r, sayWhich);
            }), 100, Duration.ZERO)) {
                ServeError error = onlyTheMiddleRequestFails(batcher, gate);
                assertEquals(ServeError.Kind.BAD_INPUT, error.kind());
                assertTrue(error.getMessage().contains("field 'x': negative"), error.getMessage());
                if (sayWhich) {
                    assertTrue(error.getMessage().startsWith("record 1: "), error.getMessage());
                }
            }
            callSizes.clear();
            entered.set(0);
        }
    }

    /** The engine's rule for a failure that is not a rejection: each request alone, so only the bad one fails. */
    @Test
    void anUnexpectedFailureOnOneRequestFailsOnlyThatRequest() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (DynamicBatcher batcher = new DynamicBatcher("t", scorer(r -> {
            await(gate);
            if (r.stream().anyMatch(f -> f.get("x").getDouble(0) < 0)) {
                throw new IllegalStateException("native error");
            }
            return doubling(r, true);
        }), 100, Duration.ZERO)) {
            ServeError error = onlyTheMiddleRequestFails(batcher, gate);
            assertEquals(ServeError.Kind.INTERNAL, error.kind());
            assertTrue(error.getMessage().contains("native error"), error.getMessage());
            // Model calls: the blocker, the merged call of 4 rows that failed, then each request alone (one failing).
            assertEquals(5, entered.get());
            assertEquals(List.of(1, 1, 1), callSizes, "the calls that answered");
            assertEquals(3, batcher.stats().requests(), "the blocker and the two good requests");
        }
    }

    @Test
    void closeFailsWaitingRequestsAsUnavailable() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        DynamicBatcher batcher = new DynamicBatcher("t", scorer(r -> {
            await(gate);
            return doubling(r, true);
        }), 1, Duration.ZERO);
        CompletableFuture<DynamicBatcher.Scored> first = batcher.submit(null, rows(1));
        awaitEntered(1);
        CompletableFuture<DynamicBatcher.Scored> waiting = batcher.submit(null, rows(2));
        Thread closer = new Thread(batcher::close);
        closer.start();
        // close() has set its flag once it waits for the batcher thread.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (closer.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        gate.countDown();
        closer.join(30_000);
        assertEquals(2.0, y(first.get(30, TimeUnit.SECONDS), 0));
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, waiting::join);
        assertInstanceOf(ServeError.class, e.getCause());
        assertEquals(ServeError.Kind.UNAVAILABLE, ((ServeError) e.getCause()).kind());
        batcher.close(); // idempotent
        assertEquals(ServeError.Kind.UNAVAILABLE,
                ServeError.of(org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                        () -> batcher.submit(null, rows(3)).join())).kind());
    }
}
