package io.inferstream.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Live counters of an engine: records consumed, predictions and dead letters written (acknowledged by Kafka),
 * model calls, committed batches, the latency from a record's timestamp to the acknowledgement of its prediction
 * (end to end, including any time the record waited in the topic), and the latency from the poll that returned it
 * (the engine's own share).
 *
 * <p>Every consumed record ends as exactly one prediction or one dead letter, so once the engine has committed,
 * {@code recordsIn == predictionsOut + deadLetters} for what it has committed.
 *
 * <p>Thread safety: thread-safe; counters are updated by workers and producer callbacks and may be read at any
 * time.
 */
public final class EngineMetrics {
    final AtomicLong recordsIn = new AtomicLong();
    final AtomicLong predictionsOut = new AtomicLong();
    final AtomicLong deadLetters = new AtomicLong();
    final AtomicLong modelCalls = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong commits = new AtomicLong();
    final java.util.concurrent.atomic.AtomicInteger assignedPartitions = new java.util.concurrent.atomic.AtomicInteger();
    final AtomicLong shadowPredictions = new AtomicLong();
    final AtomicLong shadowFailures = new AtomicLong();
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> byVersion =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final LatencyHistogram latency = new LatencyHistogram();
    private final LatencyHistogram processingLatency = new LatencyHistogram();
    private final long startNanos = System.nanoTime();

    /** @return records consumed from the input topics. */
    public long recordsIn() {
        return recordsIn.get();
    }

    /** @return predictions acknowledged by the output topic. */
    public long predictionsOut() {
        return predictionsOut.get();
    }

    /** @return records acknowledged by the dead-letter topic. */
    public long deadLetters() {
        return deadLetters.get();
    }

    /** @return calls to {@code Model.predict}. */
    public long modelCalls() {
        return modelCalls.get();
    }

    /** @return polled batches processed. */
    public long batches() {
        return batches.get();
    }

    /** @return offset commits made. */
    public long commits() {
        return commits.get();
    }

    /** Counts one acknowledged prediction of a version. */
    void countPrediction(String version) {
        predictionsOut.incrementAndGet();
        byVersion.computeIfAbsent(version, v -> new java.util.concurrent.atomic.LongAdder()).increment();
    }

    /** @return acknowledged predictions per model version (the version the prediction carries). */
    public java.util.Map<String, Long> predictionsByVersion() {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        byVersion.forEach((v, n) -> out.put(v, n.sum()));
        return out;
    }

    /** @return shadow predictions acknowledged by the shadow topic. */
    public long shadowPredictions() {
        return shadowPredictions.get();
    }

    /** @return records a shadow version could not score (they never affect the outputs). */
    public long shadowFailures() {
        return shadowFailures.get();
    }

    /** @return input partitions currently assigned to this engine's workers (0 until the group has formed). */
    public int assignedPartitions() {
        return assignedPartitions.get();
    }

    /** @return record-timestamp-to-acknowledged-prediction latency. */
    public LatencyHistogram latency() {
        return latency;
    }

    /**
     * @return poll-to-acknowledged-prediction latency: how long the engine itself holds a record (decode, batch,
     *     predict, write), without the time it waited in the topic
     */
    public LatencyHistogram processingLatency() {
        return processingLatency;
    }

    /** @return seconds since the engine was created. */
    public double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    @Override
    public String toString() {
        // The engine's own time first; the end-to-end figure also counts how long records waited in the topic
        // (a backlog or a stopped engine), so it is labelled as such rather than passed off as the engine's latency.
        return String.format("in=%d predictions=%d deadLetters=%d modelCalls=%d batches=%d "
                + "engine p50=%.1fms p99=%.1fms (end-to-end from record timestamp p50=%.1fms p99=%.1fms)",
                recordsIn(), predictionsOut(), deadLetters(), modelCalls(), batches(),
                processingLatency.percentileMicros(50) / 1000.0, processingLatency.percentileMicros(99) / 1000.0,
                latency.percentileMicros(50) / 1000.0, latency.percentileMicros(99) / 1000.0);
    }
}
