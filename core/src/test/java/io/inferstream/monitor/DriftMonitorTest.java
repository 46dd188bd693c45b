package io.inferstream.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drift against a version's first records and against a reference file, checked with a PSI computed here
 * independently: deciles of the sorted reference, shares counted by a linear scan, the PSI formula with 1e-4 for
 * an empty bin.
 */
class DriftMonitorTest {
    private static final int N = 1000;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @TempDir
    Path dir;

    private static Features row(double amount, float[] image) {
        return Features.of(Map.of("amount", Tensor.scalar(amount), "image", Tensor.ofFloats(image)));
    }

    private static Prediction label(String label) {
        return Prediction.builder().output("p", Tensor.ofFloats(new float[] {1f})).label(label).build();
    }

    private double psi(String feature) {
        return meters.get(VersionDrift.PSI).tags("model", "m", "version", "1", "feature", feature).gauge().value();
    }

    /** The PSI of {@code actual} against {@code reference}, computed from the definition, without the monitor. */
    static double independentPsi(double[] reference, double[] actual) {
        double[] sorted = reference.clone();
        Arrays.sort(sorted);
        List<Double> cuts = new ArrayList<>();
        for (int k = 1; k < 10; k++) {
            double cut = sorted[(int) Math.ceil(k * sorted.length / 10.0) - 1];
            if (cuts.isEmpty() || cut > cuts.get(cuts.size() - 1)) {
                cuts.add(cut);
            }
        }
        return psiOfShares(shares(reference, cuts), shares(actual, cuts));
    }

    private static double[] shares(double[] values, List<Double> cuts) {
        double[] counts = new double[cuts.size() + 1];
        for (double v : values) {
            int bin = 0;
            while (bin < cuts.size() && v > cuts.get(bin)) {
                bin++;
            }
            counts[bin]++;
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] /= values.length;
        }
        return counts;
    }

    private static double psiOfShares(double[] expectedShares, double[] actualShares) {
        double psi = 0;
        for (int i = 0; i < expectedShares.length; i++) {
            double e = Math.max(expectedShares[i], 1e-4);
            double a = Math.max(actualShares[i], 1e-4);
            psi += (a - e) * Math.log(a / e);
        }
        return psi;
    }

    @Test
    void anUnshiftedWindowStaysBelowTheThresholdAndAShiftedOneGoesAbove() {
        DriftMonitor drift = new DriftMonitor(meters, N, 0.2, null);
        Random random = new Random(3);
        double[] reference = new double[N];
        double[] referenceMeans = new double[N];
        for (int i = 0; i < N; i++) {
            reference[i] = 100 + 20 * random.nextGaussian();
            float[] image = image(random, 0f);
            referenceMeans[i] = mean(image);
            drift.observe("m", "1", row(reference[i], image), label(i % 10 < 7 ? "ok" : "fraud"));
        }
        assertTrue(Double.isNaN(psi("amount")), "no window yet");

        double[] same = new double[N];
        for (int i = 0; i < N; i++) {
            same[i] = 100 + 20 * random.nextGaussian();
            drift.observe("m", "1", row(same[i], image(random, 0f)), label(i % 10 < 7 ? "ok" : "fraud"));
        }
        double unshifted = psi("amount");
        assertEquals(independentPsi(reference, same), unshifted, 1e-12);
        assertTrue(unshifted < 0.2, "same distribution: PSI " + unshifted);
        assertEquals(0.0, psi(DriftMonitor.PREDICTED_CLASS), 1e-12, "same 70/30 class split");
        assertTrue(psi("image.mean") < 0.2, "image.mean " + psi("image.mean"));

        double[] shifted = new double[N];
        double[] shiftedMeans = new double[N];
        for (int i = 0; i < N; i++) {
            shifted[i] = 115 + 20 * random.nextGaussian(); // three quarters of a standard deviation
            float[] image = image(random, 0.1f);
            shiftedMeans[i] = mean(image);
            // 30/60 ok/fraud and 10% a class the reference never saw
            drift.observe("m", "1", row(shifted[i], image), label(i % 10 < 3 ? "ok" : i % 10 < 9 ? "fraud" : "new"));
        }
        assertEquals(independentPsi(reference, shifted), psi("amount"), 1e-12);
        assertTrue(psi("amount") > 0.2, "shifted: PSI " + psi("amount"));
        assertEquals(independentPsi(referenceMeans, shiftedMeans), psi("image.mean"), 1e-12);
        assertTrue(psi("image.mean") > 0.2, "image.mean " + psi("image.mean"));
        assertEquals(psiOfShares(new double[] {0.7, 0.3, 0}, new double[] {0.3, 0.6, 0.1}),
                psi(DriftMonitor.PREDICTED_CLASS), 1e-12);
        assertTrue(psi(DriftMonitor.PREDICTED_CLASS) > 0.2);
        assertEquals(Map.of("amount", psi("amount"), "image.mean", psi("image.mean"),
                DriftMonitor.PREDICTED_CLASS, psi(DriftMonitor.PREDICTED_CLASS)), drift.psi().get("m 1"));
    }

    @Test
    void aReferenceFileServesEveryVersionFromItsFirstRecord() throws Exception {
        Random random = new Random(5);
        double[] reference = new double[500];
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < reference.length; i++) {
            reference[i] = random.nextDouble();
            file.append("{\"amount\": ").append(reference[i]).append(", \"predicted.class\": \"")
                    .append(i % 2 == 0 ? "a" : "b").append("\"}\n");
        }
        Path path = Files.writeString(dir.resolve("reference.jsonl"), file);
        DriftMonitor drift = new DriftMonitor(meters, 200, 0.2, DriftReference.read(path));
        double[] window = new double[200];
        for (int i = 0; i < 200; i++) {
            window[i] = random.nextDouble() * 0.5; // only the lower half
            drift.observe("m", "1", row(window[i], new float[] {0f}), label(i % 2 == 0 ? "a" : "b"));
        }
        assertEquals(independentPsi(reference, window), psi("amount"), 1e-12);
        assertTrue(psi("amount") > 0.2);
        assertEquals(0.0, psi(DriftMonitor.PREDICTED_CLASS), 1e-12);
        assertTrue(drift.psi().get("m 1").keySet().containsAll(List.of("amount", DriftMonitor.PREDICTED_CLASS)));
        assertTrue(!drift.psi().get("m 1").containsKey("image"), "a feature missing from the file is not monitored");
    }

    @Test
    void aBadReferenceFileIsNamedWithItsLine() throws Exception {
        Path path = Files.writeString(dir.resolve("bad.jsonl"), "{\"amount\": 1}\n\n{\"amount\": \"high\"}\n");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> DriftReference.read(path));
        assertTrue(e.getMessage().contains("bad.jsonl line 3") && e.getMessage().contains("'amount'"), e.getMessage());
    }

    @Test
    void psiOfIdenticalSharesIsZeroAndEmptyBinsUseEpsilon() {
        assertEquals(0.0, Psi.index(new double[] {1, 2, 3}, new double[] {2, 4, 6}), 1e-15);
        double expected = (0.5 - 1e-4) * Math.log(0.5 / 1e-4) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5)
                + 0.0; // bins {0.5, 0.5, 0} vs {0, 0.5, 0.5}: the middle bin contributes nothing
        assertEquals(expected, Psi.index(new double[] {1, 1, 0}, new double[] {0, 1, 1}), 1e-12);
        assertTrue(Double.isNaN(Psi.index(new double[] {1}, new double[] {0})));
    }

    private static float[] image(Random random, float shift) {
        float[] image = new float[64];
        for (int i = 0; i < image.length; i++) {
            image[i] = random.nextFloat() * 0.5f + shift;
        }
        return image;
    }

    private static double mean(float[] image) {
        double sum = 0;
        for (float f : image) {
            sum += f;
        }
        return sum / image.length;
    }
}
