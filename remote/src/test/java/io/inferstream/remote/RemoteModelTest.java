package io.inferstream.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.RetriableInferenceException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The client's safeguards around a transport whose answers the test scripts: retries, breaker, in-flight bound. */
class RemoteModelTest {
    private static final ModelInfo INFO = ModelInfo.builder("kserve-v2").name("double")
            .input(FieldSpec.scalar("x", DataType.DOUBLE)).output(FieldSpec.scalar("y", DataType.DOUBLE)).build();

    /** Answers y = 2x, after failing as scripted: each entry is thrown once, in order. */
    static final class ScriptedTransport implements Transport {
        final Deque<Exception> failures = new ArrayDeque<>();
        int calls;
        CountDownLatch entered = new CountDownLatch(0);
        CountDownLatch release = new CountDownLatch(0);
        boolean closed;

        @Override
        public ModelInfo metadata(String format) {
            return INFO;
        }

        @Override
        public List<Prediction> infer(List<Features> rows, ModelInfo info) throws TransientFailure, InferenceException {
            synchronized (this) {
                calls++;
            }
            entered.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Exception next;
            synchronized (this) {
                next = failures.poll();
            }
            if (next instanceof TransientFailure) {
                throw (TransientFailure) next;
            }
            if (next instanceof InferenceException) {
                throw (InferenceException) next;
            }
            List<Prediction> out = new ArrayList<>();
            for (Features f : rows) {
                out.add(Prediction.builder().output("y", Tensor.scalar(2 * f.get("x").getDouble(0))).build());
            }
            return out;
        }

        @Override
        public String endpoint() {
            return "test://double";
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static RemoteSettings settings(int retries, int inFlight, int breakerFailures, long timeoutMs) {
        return new RemoteSettings(Duration.ofMillis(timeoutMs), Duration.ofMillis(100), retries, Duration.ofMillis(1),
                inFlight, breakerFailures, Duration.ofSeconds(30));
    }

    private static List<Features> rows(double... xs) {
        List<Features> out = new ArrayList<>();
        for (double x : xs) {
            out.add(Features.builder().put("x", x).build());
        }
        return out;
    }

    @Test
    void transientFailuresAreRetriedWithinTheCallAndTheAnswerIsTheServers() throws Exception {
        ScriptedTransport t = new ScriptedTransport();
        t.failures.add(new TransientFailure("HTTP 503", null));
        t.failures.add(new TransientFailure("connection reset", null));
        try (RemoteModel model = new RemoteModel(t, INFO, settings(2, 4, 10, 5_000))) {
            List<Prediction> out = model.predict(rows(1.5, -2));
            assertEquals(3.0, out.get(0).output("y").getDouble(0));
            assertEquals(-4.0, out.get(1).output("y").getDouble(0));
            assertEquals(2, model.retries());
            assertEquals(3, model.requests());
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            model.bindTo(meters);
            assertEquals(2.0, meters.get(RemoteModel.RETRIES).tag("model", "double").functionCounter().count());
            assertEquals(3.0, meters.get(RemoteModel.REQUESTS).functionCounter().count());
            assertEquals(0.0, meters.get(RemoteModel.BREAKER_OPEN).gauge().value());
            assertTrue(model.info().threadSafe());
        }
        assertTrue(t.closed, "closing the model closes its transport");
    }

    @Test
    void spentRetriesAreRetriableAndTheOpenBreakerRefusesWithoutCallingTheServer() throws Exception {
        ScriptedTransport t = new ScriptedTransport();
        for (int i = 0; i < 10; i++) {
            t.failures.add(new TransientFailure("connection refused", null, Duration.ofMillis(1)));
        }
        try (RemoteModel model = new RemoteModel(t, INFO, settings(1, 4, 3, 5_000))) {
            RetriableInferenceException first = assertThrows(RetriableInferenceException.class,
                    () -> model.predict(rows(1)));
            assertTrue(first.getMessage().contains("2 attempt(s)"), first.getMessage());
            assertEquals(2, t.calls);
            RetriableInferenceException second = assertThrows(RetriableInferenceException.class,
                    () -> model.predict(rows(1)));
            assertTrue(second.getMessage().contains("circuit breaker open"), second.getMessage());
            assertEquals(3, t.calls, "the third failure opened the breaker; the retry was refused without a call");
            assertThrows(RetriableInferenceException.class, () -> model.predict(rows(1)));
            assertEquals(3, t.calls, "no call while open");
            assertTrue(second.retryAfter().isPresent(), "the engine is told how long the breaker stays open");
            assertEquals(CircuitBreaker.State.OPEN, model.breakerState());
        }
    }

    @Test
    void aRefusedInputPassesThroughAndCountsAsTheServerBeingUp() throws Exception {
        ScriptedTransport t = new ScriptedTransport();
        InvalidInputException refused = new InvalidInputException(1, null, "record 1 is bad", null);
        t.failures.add(new TransientFailure("timeout", null));
        t.failures.add(refused);
        try (RemoteModel model = new RemoteModel(t, INFO, settings(3, 4, 2, 5_000))) {
            assertSame(refused, assertThrows(InvalidInputException.class, () -> model.predict(rows(1, 2))));
            t.failures.add(new TransientFailure("timeout", null));
            assertEquals(2, model.predict(rows(1, 2)).size(), "one failure after a success does not open it");
            assertEquals(CircuitBreaker.State.CLOSED, model.breakerState());
        }
    }

    @Test
    void requestsInFlightAreBoundedAndAWaitBeyondTheTimeoutIsRetriable() throws Exception {
        ScriptedTransport t = new ScriptedTransport();
        t.entered = new CountDownLatch(1);
        t.release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (RemoteModel model = new RemoteModel(t, INFO, settings(0, 1, 5, 300))) {
            Future<List<Prediction>> held = pool.submit(() -> model.predict(rows(1)));
            assertTrue(t.entered.await(30, TimeUnit.SECONDS));
            RetriableInferenceException busy = assertThrows(RetriableInferenceException.class,
                    () -> model.predict(rows(2)));
            assertTrue(busy.getMessage().contains("remote.max.in.flight"), busy.getMessage());
            assertEquals(1, t.calls, "the second call never reached the server");
            t.release.countDown();
            assertEquals(2.0, held.get(30, TimeUnit.SECONDS).get(0).output("y").getDouble(0));
            assertEquals(4.0, model.predict(rows(2)).get(0).output("y").getDouble(0), "the slot is free again");
        } finally {
            pool.shutdownNow();
        }
    }
}
