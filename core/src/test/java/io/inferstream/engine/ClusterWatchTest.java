package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A broker outage is said once when it starts and once when it ends, however many checks fail in between. */
class ClusterWatchTest {
    @Test
    void saysOnceWhenTheClusterGoesAndOnceWhenItComesBack() {
        ClusterWatch.Reachability r = new ClusterWatch.Reachability();
        assertNull(r.observe(true, null, "127.0.0.1:9092", 0));
        String down = r.observe(false, "TimeoutException", "127.0.0.1:9092", 1_000);
        assertTrue(down.startsWith("Kafka cluster 127.0.0.1:9092 is unreachable (TimeoutException)"), down);
        assertFalse(r.reachable());
        for (int i = 0; i < 100; i++) {
            assertNull(r.observe(false, "TimeoutException", "127.0.0.1:9092", 1_000 + i * 2_000));
        }
        assertEquals("Kafka cluster 127.0.0.1:9092 is reachable again after 21.5 s",
                r.observe(true, null, "127.0.0.1:9092", 22_500));
        assertTrue(r.reachable());
        assertNull(r.observe(true, null, "127.0.0.1:9092", 24_000));
    }
}
