package io.inferstream.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The label join on its own, with a clock the test moves: accuracy, errors, expiry, the cap, bad labels. */
class LabelJoinTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicLong clock = new AtomicLong(1_000_000);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Prediction classified(String label) {
        return Prediction.builder().output("probabilities", Tensor.ofFloats(new float[] {0.4f, 0.6f}))
                .label(label).probability(label, 0.6).build();
    }

    private static Prediction regressed(double value) {
        return Prediction.of(Map.of("y", Tensor.ofDoubles(new double[] {value})));
    }

    private double gauge(String name, String version) {
        return meters.get(name).tags("model", "m", "version", version).gauge().value();
    }

    private double counter(String name, String version) {
        return meters.get(name).tags("model", "m", "version", version).counter().count();
    }

    @Test
    void accuracyPerVersionIsTheShareOfJoinedLabelsPredictedRight() {
        LabelJoin join = new LabelJoin(meters, 60_000, 10_000, clock::get);
        Random random = new Random(7);
        List<LabelJoin.Scored> batch = new ArrayList<>();
        String[] truth = new String[1000];
        int[] right = new int[2];
        int[] labelled = new int[2];
        for (int i = 0; i < 1000; i++) {
            String predicted = random.nextBoolean() ? "fraud" : "ok";
            truth[i] = random.nextInt(4) == 0 ? (predicted.equals("ok") ? "fraud" : "ok") : predicted;
            int v = i % 2;
            batch.add(new LabelJoin.Scored(bytes("k" + i), "m", String.valueOf(v + 1), classified(predicted)));
            if (i < 900) { // the last 100 never get a label
                labelled[v]++;
                right[v] += truth[i].equals(predicted) ? 1 : 0;
            }
        }
        join.rememberAll(batch);
        for (int i = 0; i < 900; i++) {
            // Labels in every accepted form: plain text, a JSON string, an object.
            String value = i % 3 == 0 ? truth[i] : i % 3 == 1 ? "\"" + truth[i] + "\"" : "{\"label\":\"" + truth[i] + "\"}";
            assertEquals(LabelJoin.Outcome.JOINED, join.onLabel(bytes("k" + i), bytes(value)));
        }
        for (int v = 0; v < 2; v++) {
            String version = String.valueOf(v + 1);
            assertEquals((double) right[v] / labelled[v], gauge(VersionQuality.ACCURACY, version), 0);
            assertEquals(labelled[v], counter(VersionQuality.JOINED, version));
            assertEquals(right[v], counter(VersionQuality.CORRECT, version));
        }
        assertEquals(100, join.pending());
        clock.addAndGet(60_001);
        join.expire();
        assertEquals(0, join.pending());
        assertEquals(50.0, counter(VersionQuality.EXPIRED, "1"));
        assertEquals(50.0, counter(VersionQuality.EXPIRED, "2"));
    }

    @Test
    void aLabelAfterTheWindowFindsAnExpiredPredictionAndIsUnmatched() {
        LabelJoin join = new LabelJoin(meters, 5_000, 100, clock::get);
        join.rememberAll(List.of(new LabelJoin.Scored(bytes("a"), "m", "1", classified("x")),
                new LabelJoin.Scored(bytes("b"), "m", "1", classified("x"))));
        clock.addAndGet(5_000);
        assertEquals(LabelJoin.Outcome.JOINED, join.onLabel(bytes("a"), bytes("x")), "at the window's end: joined");
        clock.addAndGet(1);
        // Not swept yet: the late label still counts the prediction as expired, the same as after a sweep.
        assertEquals(LabelJoin.Outcome.UNMATCHED, join.onLabel(bytes("b"), bytes("x")));
        assertEquals(1.0, counter(VersionQuality.EXPIRED, "1"));
        assertEquals(1, join.unmatched());
        assertEquals(LabelJoin.Outcome.UNMATCHED, join.onLabel(bytes("never-predicted"), bytes("x")));
        assertEquals(2, join.unmatched());
    }

    @Test
    void atTheCapTheOldestPredictionIsDroppedAndARepredictedKeyKeepsItsNewest() {
        LabelJoin join = new LabelJoin(meters, 60_000, 10, clock::get);
        List<LabelJoin.Scored> batch = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            batch.add(new LabelJoin.Scored(bytes("k" + i), "m", "1", classified("x")));
        }
        join.rememberAll(batch);
        assertEquals(10, join.pending());
        assertEquals(5.0, meters.get(VersionQuality.DROPPED).tags("reason", VersionQuality.CAPACITY).counter().count());
        assertEquals(LabelJoin.Outcome.UNMATCHED, join.onLabel(bytes("k0"), bytes("x")), "dropped: the oldest");
        assertEquals(LabelJoin.Outcome.JOINED, join.onLabel(bytes("k14"), bytes("x")));

        join.rememberAll(List.of(new LabelJoin.Scored(bytes("k5"), "m", "1", classified("y"))));
        assertEquals(1.0, meters.get(VersionQuality.DROPPED).tags("reason", VersionQuality.SUPERSEDED).counter().count());
        join.onLabel(bytes("k5"), bytes("y"));
        assertEquals(1.0, gauge(VersionQuality.ACCURACY, "1"), "joined with the newest prediction of k5");
        join.rememberAll(List.of(new LabelJoin.Scored(null, "m", "1", classified("y"))));
        assertEquals(8, join.pending(), "a record without a key is not remembered");
    }

    @Test
    void regressorErrorsEqualAnIndependentComputation() {
        LabelJoin join = new LabelJoin(meters, 60_000, 10_000, clock::get);
        Random random = new Random(11);
        double absolute = 0;
        double squared = 0;
        List<LabelJoin.Scored> batch = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            double predicted = random.nextGaussian() * 10;
            double truth = Math.round((predicted + random.nextGaussian()) * 1000) / 1000.0;
            batch.add(new LabelJoin.Scored(bytes("k" + i), "m", "3", regressed(predicted)));
            labels.add(i % 2 == 0 ? Double.toString(truth) : "{\"label\": " + truth + "}");
            absolute += Math.abs(predicted - truth);
            squared += (predicted - truth) * (predicted - truth);
        }
        join.rememberAll(batch);
        for (int i = 0; i < 500; i++) {
            assertEquals(LabelJoin.Outcome.JOINED, join.onLabel(bytes("k" + i), bytes(labels.get(i))));
        }
        assertEquals(absolute / 500, gauge(VersionQuality.MAE, "3"), 1e-12);
        assertEquals(Math.sqrt(squared / 500), gauge(VersionQuality.RMSE, "3"), 1e-12);
        assertTrue(Double.isNaN(gauge(VersionQuality.ACCURACY, "3")), "no accuracy for a regressor");
    }

    @Test
    void unreadableLabelsAreCountedAsInvalid() {
        LabelJoin join = new LabelJoin(meters, 60_000, 100, clock::get);
        join.rememberAll(List.of(new LabelJoin.Scored(bytes("r"), "m", "1", regressed(1.0))));
        assertEquals(LabelJoin.Outcome.INVALID, join.onLabel(bytes("r"), bytes("high")), "a word for a regressor");
        assertEquals(LabelJoin.Outcome.INVALID, join.onLabel(bytes("x"), null));
        assertEquals(LabelJoin.Outcome.INVALID, join.onLabel(bytes("x"), bytes("{\"truth\": 1}")));
        assertEquals(LabelJoin.Outcome.INVALID, join.onLabel(bytes("x"), bytes("  ")));
        assertEquals(LabelJoin.Outcome.INVALID, join.onLabel(bytes("x"), new byte[] {(byte) 0xE9}));
        assertEquals(5, join.invalid());
    }

    @Test
    void trueLabelsAcceptTextNumbersAndJson() {
        assertEquals("fraud", TrueLabel.parse(bytes(" fraud\n")).text());
        assertEquals(12.5, TrueLabel.parse(bytes("12.5")).number());
        assertEquals(12.5, TrueLabel.parse(bytes("{\"id\": [1, 2], \"label\": 12.5}")).number());
        assertEquals("a b", TrueLabel.parse(bytes("\"a b\"")).text());
        assertTrue(TrueLabel.parse(bytes("1")).matches("1.0"), "the same number written differently");
        assertTrue(!TrueLabel.parse(bytes("cat")).isNumber());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrueLabel.parse(bytes("{\"label\": ")));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }
}
