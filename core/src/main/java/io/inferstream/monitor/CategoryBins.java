package io.inferstream.monitor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Bins of a categorical value (the predicted class): one per category seen in the reference, and one for every
 * category the reference never saw.
 *
 * <p>Thread safety: immutable, safe to share.
 */
final class CategoryBins {
    private final Map<String, Integer> index;
    private final double[] expected;

    private CategoryBins(Map<String, Integer> index, double[] expected) {
        this.index = index;
        this.expected = expected;
    }

    /** @param reference the reference's categories, nulls ignored; at least one */
    static CategoryBins of(List<String> reference) {
        Map<String, Integer> index = new HashMap<>();
        for (String c : reference) {
            if (c != null) {
                index.putIfAbsent(c, index.size());
            }
        }
        if (index.isEmpty()) {
            throw new IllegalArgumentException("no reference categories");
        }
        double[] expected = new double[index.size() + 1];
        for (String c : reference) {
            if (c != null) {
                expected[index.get(c)]++;
            }
        }
        return new CategoryBins(Map.copyOf(index), expected);
    }

    /** @return the bin of a category; unseen ones share the last bin. */
    int bin(String category) {
        Integer i = index.get(category);
        return i == null ? expected.length - 1 : i;
    }

    int count() {
        return expected.length;
    }

    double[] expected() {
        return expected;
    }
}
