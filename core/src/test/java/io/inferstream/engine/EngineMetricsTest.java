package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferstream.scoring.DeadLetterHeaders;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineMetricsTest {

    private static EngineMetrics metrics() {
        PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        return new EngineMetrics(own, own);
    }

    @Test
    void statusLineNamesTheEnginesOwnLatencyAndLabelsTheEndToEndOne() {
        EngineMetrics metrics = metrics();
        metrics.countRecordsIn(3);
        metrics.countModelCalls(1);
        metrics.countBatch(3);
        // A record that waited 100 s in the topic but took the engine 7.5 ms: the two must not be confused.
        metrics.countPrediction("m", "1", 7_500_000, 100_000);
        metrics.countPrediction("m", "1", 7_500_000, 100_000);
        metrics.countDeadLetter("m", "1", DeadLetterHeaders.STAGE_DECODE);
        assertEquals("in=3 predictions=2 deadLetters=1 modelCalls=1 batches=1 engine p50=7.5ms p99=7.5ms "
                + "(end-to-end from record timestamp p50=100000.0ms p99=100000.0ms)", metrics.toString());
    }

    @Test
    void percentilesComeFromTheHistogramsOfEveryVersion() {
        EngineMetrics metrics = metrics();
        for (int ms = 1; ms <= 1000; ms++) {
            metrics.countPrediction("m", ms % 2 == 0 ? "1" : "2", ms * 1_000_000L, -1);
        }
        assertEquals(1000, metrics.processingLatency().count());
        assertEquals(0, metrics.latency().count(), "records without a timestamp have no end-to-end latency");
        // Micrometer's buckets are up to a third wide; interpolation inside them keeps the estimate close.
        assertEquals(500, metrics.processingLatency().percentileMicros(50) / 1000.0, 50);
        assertEquals(990, metrics.processingLatency().percentileMicros(99) / 1000.0, 20);
        assertEquals(Map.of("1", 500L, "2", 500L), metrics.predictionsByVersion());
    }

    @Test
    void gettersReadTheEnginesOwnRegistryWhenTheCallersRegistryIsAnother() {
        PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SimpleMeterRegistry callers = new SimpleMeterRegistry();
        CompositeMeterRegistry both = new CompositeMeterRegistry();
        both.add(callers);
        both.add(own);
        EngineMetrics metrics = new EngineMetrics(both, own);
        metrics.countRecordsIn(5);
        metrics.countPrediction("m", "3", 1_000_000, 5);
        metrics.countDeadLetter("m", "3", DeadLetterHeaders.STAGE_DECODE);
        metrics.countDeadLetter("m", "3", DeadLetterHeaders.STAGE_PREDICT);
        metrics.countDeadLetter("m", "3", DeadLetterHeaders.STAGE_PREDICT);
        assertEquals(5, metrics.recordsIn());
        assertEquals(Map.of("decode", 1L, "predict", 2L), metrics.deadLettersByStage());
        assertEquals(1.0, callers.get(EngineMetrics.PREDICTIONS).tags("model", "m", "version", "3").counter().count());
        assertEquals(2.0, callers.get(EngineMetrics.DEAD_LETTERS).tags("stage", "predict").counter().count());
        assertEquals(1, metrics.latency().count());
    }

    @Test
    void retriesAreACounterPerModelOnTheCallersRegistry() {
        PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        EngineMetrics metrics = new EngineMetrics(own, own);
        metrics.countRetry("fraud");
        metrics.countRetry("fraud");
        metrics.countRetry("churn");
        assertEquals(2.0, own.get("inferstream.model.retries").tag("model", "fraud").counter().count());
        assertEquals(3, metrics.modelRetries());
        org.junit.jupiter.api.Assertions.assertTrue(own.scrape().contains("inferstream_model_retries_total{"));
    }
}
