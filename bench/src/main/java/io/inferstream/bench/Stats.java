package io.inferstream.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The summary of a row's rounds that the benchmark tables print: the median, and the spread as min–max, so a
 * reader sees both the typical figure and how far single runs on this machine wander from it.
 *
 * <p>Thread safety: immutable.
 */
record Stats(double median, double min, double max) {
    static Stats of(List<Double> values) {
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException("no measurement");
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return new Stats(median, sorted.get(0), sorted.get(n - 1));
    }

    /** @return "median (min–max)", each with {@code format}; just the value when there was one round. */
    String format(String format) {
        if (min == max) {
            return String.format(format, median);
        }
        return String.format(format + " (" + format + "–" + format + ")", median, min, max);
    }
}
