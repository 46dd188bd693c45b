package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {
    @Test
    void doublesFromTheInitialWaitUpToTheMaximumWithJitterInTheUpperHalf() {
        RetryBackoff top = new RetryBackoff(100, 10_000, () -> 0.999999);
        RetryBackoff bottom = new RetryBackoff(100, 10_000, () -> 0.0);
        long[] expected = {100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000};
        for (int attempt = 1; attempt <= expected.length; attempt++) {
            long step = expected[attempt - 1];
            assertEquals(step, top.delayMs(attempt, Optional.empty()), 1.0, "attempt " + attempt);
            assertEquals(step / 2, bottom.delayMs(attempt, Optional.empty()), "attempt " + attempt);
        }
        assertEquals(10_000, top.delayMs(10_000, Optional.empty()), 1.0, "no overflow after many attempts");
        RetryBackoff random = new RetryBackoff(100, 10_000);
        for (int i = 0; i < 1000; i++) {
            long d = random.delayMs(3, Optional.empty());
            assertTrue(d >= 200 && d <= 400, "within [step/2, step]: " + d);
        }
    }

    @Test
    void aRetryAfterIsHonouredUpToTheMaximum() {
        RetryBackoff b = new RetryBackoff(100, 10_000, () -> 0.0);
        assertEquals(2_000, b.delayMs(1, Optional.of(Duration.ofSeconds(2))));
        assertEquals(10_000, b.delayMs(1, Optional.of(Duration.ofMinutes(5))));
        assertEquals(200, b.delayMs(3, Optional.of(Duration.ofMillis(10))), "never sooner than the backoff");
    }

    @Test
    void theMaximumCannotBeBelowTheInitialWait() {
        assertThrows(IllegalArgumentException.class, () -> new RetryBackoff(100, 50));
        assertEquals(1, new RetryBackoff(1, 1, () -> 0.0).delayMs(1, Optional.empty()));
    }
}
