package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EngineMetricsTest {

    @Test
    void statusLineNamesTheEnginesOwnLatencyAndLabelsTheEndToEndOne() {
        EngineMetrics metrics = new EngineMetrics();
        metrics.recordsIn.set(3);
        metrics.predictionsOut.set(2);
        metrics.deadLetters.set(1);
        metrics.modelCalls.set(1);
        metrics.batches.set(1);
        // A record that waited 100 s in the topic but took the engine 7.5 ms: the two must not be confused.
        metrics.processingLatency().record(7_500);
        metrics.latency().record(100_000_000);
        // The histogram reports bucket bounds (about 5% wide), so the figures are read back from it.
        String engine = String.format("%.1fms", metrics.processingLatency().percentileMicros(50) / 1000.0);
        String endToEnd = String.format("%.1fms", metrics.latency().percentileMicros(50) / 1000.0);
        assertEquals("in=3 predictions=2 deadLetters=1 modelCalls=1 batches=1 engine p50=" + engine + " p99=" + engine
                + " (end-to-end from record timestamp p50=" + endToEnd + " p99=" + endToEnd + ")", metrics.toString());
        assertEquals(7.5, metrics.processingLatency().percentileMicros(50) / 1000.0, 0.4);
        assertEquals(100_000.0, metrics.latency().percentileMicros(50) / 1000.0, 5_000.0);
    }
}
