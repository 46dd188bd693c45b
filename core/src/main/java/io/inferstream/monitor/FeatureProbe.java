package io.inferstream.monitor;

import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One numeric input feature that drift is measured on, and how to read it from a decoded row. A numeric (or
 * boolean) field with one value is the feature of its name; a field of up to {@value #MAX_ELEMENTS} values gives
 * one feature per element, {@code name[i]} (e.g. a tensor joined with {@code input.concat.*}); a larger tensor (an
 * image, an embedding) gives one feature, the mean of its values, {@code name.mean}, as per-element bins of
 * hundreds of pixels would cost more than the scoring and say less. String and bytes fields are not monitored.
 *
 * <p>Thread safety: immutable, safe to share.
 */
final class FeatureProbe {
    static final int MAX_ELEMENTS = 16;
    private static final int MEAN = -1;

    private final String name;
    private final String field;
    private final int element;

    private FeatureProbe(String name, String field, int element) {
        this.name = name;
        this.field = field;
        this.element = element;
    }

    /** @return the features monitored for rows shaped like this one, in field order. */
    static List<FeatureProbe> of(Features row) {
        List<FeatureProbe> out = new ArrayList<>();
        row.asMap().forEach((field, t) -> {
            if (!(t.type().isNumeric() || t.type() == io.inferstream.data.DataType.BOOL) || t.size() == 0) {
                return;
            }
            if (t.size() == 1) {
                out.add(new FeatureProbe(field, field, 0));
            } else if (t.size() <= MAX_ELEMENTS) {
                for (int i = 0; i < t.size(); i++) {
                    out.add(new FeatureProbe(field + "[" + i + "]", field, i));
                }
            } else {
                out.add(new FeatureProbe(field + ".mean", field, MEAN));
            }
        });
        return out;
    }

    String name() {
        return name;
    }

    /** @return the feature's value in a row; NaN if the field is missing or shaped differently. */
    double read(Features row) {
        Tensor t = row.get(field);
        if (t == null || !(t.type().isNumeric() || t.type() == io.inferstream.data.DataType.BOOL)) {
            return Double.NaN;
        }
        if (element != MEAN) {
            return element < t.size() ? t.getDouble(element) : Double.NaN;
        }
        int n = t.size();
        double sum = 0;
        if (t.type() == io.inferstream.data.DataType.FLOAT) {
            for (float f : t.asFloats()) { // the common case (images, embeddings): no per-element type switch
                sum += f;
            }
        } else {
            for (int i = 0; i < n; i++) {
                sum += t.getDouble(i);
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
