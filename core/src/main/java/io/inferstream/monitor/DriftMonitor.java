package io.inferstream.monitor;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drift of the inputs and predictions of every model version, as a population stability index per feature against
 * a reference: each version's first {@code referenceRecords} scored records, or a {@link DriftReference} file shared
 * by every version. Bins are the reference's deciles ({@link QuantileBins}) for numbers, one per class for the
 * predicted class ({@value #PREDICTED_CLASS}); a regressor's predicted value is monitored as {@value #PREDICTION}.
 * Each window of {@code referenceRecords} records after the reference gives a new index per feature (gauge
 * {@code inferstream.drift.psi}); past {@code threshold} a warning is logged once per crossing.
 *
 * <p>Cost on the scoring path: per record, a read of each feature (a field lookup, or the mean of a large tensor) and
 * a binary search over at most 9 cuts, under the version's lock, which a worker takes once per batch.
 *
 * <p>Thread safety: thread-safe.
 */
public final class DriftMonitor {
    /** The feature name of the predicted class distribution. */
    public static final String PREDICTED_CLASS = "predicted.class";
    /** The feature name of a regressor's predicted value. */
    public static final String PREDICTION = "prediction";

    private final MeterRegistry meters;
    private final int referenceRecords;
    private final double threshold;
    private final DriftReference file;
    private final Map<String, Map<String, VersionDrift>> versions = new ConcurrentHashMap<>();

    /**
     * @param referenceRecords records in the reference taken from each version's start, and in each window
     * @param threshold PSI above which a warning is logged
     * @param file a reference for every version instead of each version's first records; null for none
     */
    public DriftMonitor(MeterRegistry meters, int referenceRecords, double threshold, DriftReference file) {
        if (referenceRecords < 1) {
            throw new IllegalArgumentException("referenceRecords must be at least 1");
        }
        this.meters = meters;
        this.referenceRecords = referenceRecords;
        this.threshold = threshold;
        this.file = file;
    }

    /** A version's drift state, to hand it a batch's records under one lock. */
    public Version version(String model, String version) {
        return new Version(versions.computeIfAbsent(model, k -> new ConcurrentHashMap<>()).computeIfAbsent(version,
                v -> new VersionDrift(meters, model, version, referenceRecords, threshold, file)));
    }

    /** Takes one scored record of a version. */
    public void observe(String model, String version, Features row, Prediction prediction) {
        version(model, version).observe(row, prediction);
    }

    /** One version's drift, as handed out by {@link #version}. Thread-safe. */
    public static final class Version {
        private final VersionDrift drift;

        private Version(VersionDrift drift) {
            this.drift = drift;
        }

        /** Takes one scored record. */
        public void observe(Features row, Prediction prediction) {
            drift.observe(row, prediction);
        }

        /** Takes records under one lock: rows and predictions in the same order. */
        public void observeAll(java.util.List<Features> rows, java.util.List<Prediction> predictions) {
            synchronized (drift) {
                for (int i = 0; i < rows.size(); i++) {
                    drift.observe(rows.get(i), predictions.get(i));
                }
            }
        }
    }

    /** @return the last PSI of every monitored feature, by "model version" and feature. */
    public Map<String, Map<String, Double>> psi() {
        Map<String, Map<String, Double>> out = new TreeMap<>();
        versions.forEach((m, byVersion) -> byVersion.forEach((v, d) -> out.put(m + " " + v, d.psi())));
        return out;
    }

    public double threshold() {
        return threshold;
    }
}
