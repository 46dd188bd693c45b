package io.inferstream.engine;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.search.Search;
import java.util.Collection;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Percentiles over every timer of one name (all model versions together), estimated from the timers' percentile
 * histograms: the buckets of all versions are added up and the percentile is interpolated linearly inside its
 * bucket, never above the largest value seen. Micrometer's histograms are the ones Prometheus scrapes, so the
 * figures a run prints agree with what a dashboard computes from {@code /metrics}.
 *
 * <p>Thread safety: thread-safe; a read-only view.
 */
public final class LatencyPercentiles {
    private final MeterRegistry registry;
    private final String name;

    LatencyPercentiles(MeterRegistry registry, String name) {
        this.registry = registry;
        this.name = name;
    }

    /** @return the number of recorded samples. */
    public long count() {
        return Search.in(registry).name(name).timers().stream().mapToLong(Timer::count).sum();
    }

    /**
     * @param percentile between 0 and 100
     * @return the estimated latency at that percentile, in microseconds; 0 when empty
     */
    public long percentileMicros(double percentile) {
        Collection<Timer> timers = Search.in(registry).name(name).timers();
        TreeMap<Double, Double> cumulative = new TreeMap<>(); // bucket upper bound (µs) -> samples at or below it
        long total = 0;
        double max = 0;
        for (Timer t : timers) {
            HistogramSnapshot snapshot = t.takeSnapshot();
            total += snapshot.count();
            max = Math.max(max, snapshot.max(TimeUnit.MICROSECONDS));
            for (CountAtBucket c : snapshot.histogramCounts()) {
                cumulative.merge(c.bucket(TimeUnit.MICROSECONDS), c.count(), Double::sum);
            }
        }
        if (total == 0) {
            return 0;
        }
        double rank = Math.max(1, Math.ceil(total * percentile / 100.0));
        double lower = 0;
        double below = 0;
        for (var bucket : cumulative.entrySet()) {
            double upper = bucket.getKey();
            double seen = bucket.getValue();
            if (seen >= rank) {
                double inBucket = seen - below;
                double estimate = lower + (upper - lower) * (inBucket == 0 ? 1 : (rank - below) / inBucket);
                return Math.round(max > 0 ? Math.min(estimate, max) : estimate);
            }
            lower = upper;
            below = seen;
        }
        return Math.round(max); // beyond the last bucket
    }
}
