package io.inferstream.monitor;

import java.util.Arrays;

/**
 * Bins of a numeric feature cut at the reference's quantiles (deciles by default), so each holds about the same
 * share of the reference. Bin {@code i} holds the values above cut {@code i−1} and at most cut {@code i}; the last
 * bin everything above the last cut. Cuts that coincide (a feature with few distinct values) are merged, so a
 * constant feature has two bins: at most the constant, and above it.
 *
 * <p>Thread safety: immutable, safe to share.
 */
final class QuantileBins {
    private final double[] cuts;
    private final double[] expected;

    private QuantileBins(double[] cuts, double[] expected) {
        this.cuts = cuts;
        this.expected = expected;
    }

    /**
     * @param reference the reference values (NaN ignored); at least one
     * @param bins how many quantile bins to aim for, at least 2
     */
    static QuantileBins of(double[] reference, int bins) {
        if (bins < 2) {
            throw new IllegalArgumentException("at least 2 bins, not " + bins);
        }
        double[] sorted = Arrays.stream(reference).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no reference values");
        }
        double[] cuts = new double[bins - 1];
        int n = 0;
        for (int k = 1; k < bins; k++) {
            // The lower k-th quantile: the value at rank ceil(k·N/bins).
            double cut = sorted[(int) Math.ceil((double) k * sorted.length / bins) - 1];
            if (n == 0 || cut > cuts[n - 1]) {
                cuts[n++] = cut;
            }
        }
        QuantileBins shape = new QuantileBins(Arrays.copyOf(cuts, n), null);
        double[] expected = new double[n + 1];
        for (double v : sorted) {
            expected[shape.bin(v)]++;
        }
        return new QuantileBins(shape.cuts, expected);
    }

    /** @return the bin of a value (NaN: the last bin; callers skip NaN). */
    int bin(double value) {
        int i = Arrays.binarySearch(cuts, value);
        return i >= 0 ? i : -i - 1;
    }

    int count() {
        return cuts.length + 1;
    }

    /** @return the reference's count per bin. */
    double[] expected() {
        return expected;
    }
}
