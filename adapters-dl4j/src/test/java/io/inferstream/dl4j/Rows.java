package io.inferstream.dl4j;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Test helpers that turn plain arrays into rows and back. Stateless. */
final class Rows {
    private Rows() {
    }

    /** @return one row per input vector, as a float tensor under {@code field}. */
    static List<Features> rows(String field, double[][] inputs) {
        List<Features> rows = new ArrayList<>();
        for (double[] x : inputs) {
            rows.add(Features.of(field, Tensor.ofFloats(toFloats(x))));
        }
        return rows;
    }

    static List<Features> rows(String field, float[][] inputs) {
        List<Features> rows = new ArrayList<>();
        for (float[] x : inputs) {
            rows.add(Features.of(field, Tensor.ofFloats(x)));
        }
        return rows;
    }

    static float[] toFloats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    /** @return the prediction's output as doubles. */
    static double[] values(Prediction p, String output) {
        Tensor t = p.output(output);
        if (t == null) {
            throw new AssertionError("no output '" + output + "' in " + p.outputs().keySet());
        }
        double[] v = new double[t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t.getDouble(i);
        }
        return v;
    }

    /** @return the largest |a − b| over two equally long vectors. */
    static double maxAbsDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
