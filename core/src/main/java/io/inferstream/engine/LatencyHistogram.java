package io.inferstream.engine;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free latency histogram with logarithmic buckets (about 5% wide) from 1 µs to about 18 hours, for
 * percentiles without storing every sample.
 *
 * <p>Thread safety: thread-safe; {@link #record} may be called from any thread, e.g. producer callbacks.
 */
public final class LatencyHistogram {
    private static final double GROWTH = 1.05;
    private static final double LOG_GROWTH = Math.log(GROWTH);
    private static final int BUCKETS = 512;
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    /** Records one latency in microseconds (negative values, from clock skew, count as zero). */
    public void record(long micros) {
        counts.incrementAndGet(bucket(Math.max(micros, 0)));
    }

    private static int bucket(long micros) {
        if (micros <= 1) {
            return 0;
        }
        return (int) Math.min(BUCKETS - 1, Math.ceil(Math.log(micros) / LOG_GROWTH));
    }

    /** @return the number of recorded samples. */
    public long count() {
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) {
            n += counts.get(i);
        }
        return n;
    }

    /**
     * @param percentile between 0 and 100
     * @return the upper bound of the bucket holding that percentile, in microseconds; 0 when empty
     */
    public long percentileMicros(double percentile) {
        long total = count();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(total * percentile / 100.0);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts.get(i);
            if (seen >= Math.max(rank, 1)) {
                return (long) Math.pow(GROWTH, i);
            }
        }
        return (long) Math.pow(GROWTH, BUCKETS - 1);
    }
}
