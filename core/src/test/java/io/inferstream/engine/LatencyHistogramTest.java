package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    @Test
    void percentilesAreWithinOneBucket() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 1000; i++) {
            h.record(i * 1000L); // 1..1000 ms
        }
        assertEquals(1000, h.count());
        long p50 = h.percentileMicros(50);
        long p99 = h.percentileMicros(99);
        assertTrue(p50 >= 500_000 && p50 <= 500_000 * 1.06, "p50 " + p50);
        assertTrue(p99 >= 990_000 && p99 <= 990_000 * 1.06, "p99 " + p99);
        assertEquals(0, new LatencyHistogram().percentileMicros(50));
    }
}
