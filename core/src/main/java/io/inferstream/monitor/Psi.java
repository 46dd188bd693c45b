package io.inferstream.monitor;

/**
 * The population stability index of a distribution against a reference, over the same bins:
 * {@code PSI = Σ (actual_i − expected_i) × ln(actual_i / expected_i)} of the bins' shares, with a share of 0
 * replaced by {@link #EPSILON} (an empty bin would otherwise give an infinite index). The usual reading: below 0.1 no
 * real change, 0.1–0.2 a moderate shift, above 0.2 a significant one.
 *
 * <p>Thread safety: stateless.
 */
public final class Psi {
    /** Share used in place of an empty bin's 0. */
    public static final double EPSILON = 1e-4;

    private Psi() {
    }

    /**
     * @param expected the reference's count per bin
     * @param actual the observed count per bin, same bins
     * @return the index; NaN if either side has no observation
     */
    public static double index(double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException("bins differ: " + expected.length + " vs " + actual.length);
        }
        double expectedTotal = 0;
        double actualTotal = 0;
        for (int i = 0; i < expected.length; i++) {
            expectedTotal += expected[i];
            actualTotal += actual[i];
        }
        if (expectedTotal <= 0 || actualTotal <= 0) {
            return Double.NaN;
        }
        double psi = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.max(expected[i] / expectedTotal, EPSILON);
            double a = Math.max(actual[i] / actualTotal, EPSILON);
            psi += (a - e) * Math.log(a / e);
        }
        return psi;
    }
}
