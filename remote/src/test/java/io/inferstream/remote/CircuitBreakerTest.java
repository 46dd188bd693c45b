package io.inferstream.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    private final AtomicLong now = new AtomicLong();
    private final CircuitBreaker breaker = new CircuitBreaker(3, Duration.ofSeconds(5), now::get);

    private void fail(int times) {
        for (int i = 0; i < times; i++) {
            assertTrue(breaker.tryAcquire());
            breaker.onFailure();
        }
    }

    @Test
    void opensAfterConsecutiveFailuresOnlyAndASuccessResetsTheCount() {
        fail(2);
        assertTrue(breaker.tryAcquire());
        breaker.onSuccess();
        fail(2);
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state(), "2 + 2 failures with a success between");
        fail(1);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertFalse(breaker.tryAcquire(), "open: refused without a call");
        assertEquals(Duration.ofSeconds(5), breaker.remainingOpen());
    }

    @Test
    void halfOpenLetsOneProbeThroughWhoseOutcomeClosesOrReopensIt() {
        fail(3);
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertFalse(breaker.tryAcquire(), "still open after 4 of 5 s");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertTrue(breaker.tryAcquire(), "the probe");
        assertFalse(breaker.tryAcquire(), "only one probe at a time");
        breaker.onFailure();
        assertEquals(CircuitBreaker.State.OPEN, breaker.state(), "a failed probe opens it again at once");
        assertFalse(breaker.tryAcquire());
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertTrue(breaker.tryAcquire());
        breaker.onAbandoned();
        assertTrue(breaker.tryAcquire(), "an abandoned probe frees the slot");
        breaker.onSuccess();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        assertTrue(breaker.tryAcquire());
        assertTrue(breaker.tryAcquire());
    }
}
