package io.inferstream.monitor;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drift of one model version: its first {@code windowRecords} scored records (or a reference file) are the
 * reference and fix each feature's bins; every following window of {@code windowRecords} records is compared with
 * the reference, and each feature's PSI gauge ({@code inferstream.drift.psi}, tags model, version, feature) shows the
 * last complete window's index (NaN before the first). Crossing the threshold upwards logs a warning once; falling
 * back below it logs once more, so a drifted feature does not flood the log.
 *
 * <p>Thread safety: thread-safe; {@link #observe} is synchronized (callers hand over a batch's records at once).
 */
final class VersionDrift {
    private static final Logger LOG = LoggerFactory.getLogger(VersionDrift.class);
    static final String PSI = "inferstream.drift.psi";
    static final int BINS = 10;

    private final String model;
    private final String version;
    private final MeterRegistry meters;
    private final int windowRecords;
    private final double threshold;
    private final DriftReference file; // null: the version's first records are the reference
    private List<FeatureProbe> probes; // fixed by the first record
    private double[][] referenceValues; // [feature][record] while the reference is taken
    private String[] referenceClasses;
    private int referenceCount;
    private int windowCount;
    private final Map<String, Feature> features = new LinkedHashMap<>();
    private Feature[] numeric; // by probe index, null where not monitored; the prediction's value last
    private Feature predictedClass;

    /** One monitored feature: its bins, the current window's counts and the last window's index. */
    private final class Feature {
        final String name;
        final QuantileBins numericBins;
        final CategoryBins classBins;
        final double[] window;
        volatile double psi = Double.NaN;
        boolean above;

        Feature(String name, QuantileBins numericBins, CategoryBins classBins) {
            this.name = name;
            this.numericBins = numericBins;
            this.classBins = classBins;
            this.window = new double[numericBins != null ? numericBins.count() : classBins.count()];
            Gauge.builder(PSI, this, f -> f.psi).tags("model", model, "version", version, "feature", name)
                    .strongReference(true)
                    .description("Population stability index of the last complete window against the reference")
                    .register(meters);
        }

        void close() {
            double[] expected = numericBins != null ? numericBins.expected() : classBins.expected();
            double value = Psi.index(expected, window);
            Arrays.fill(window, 0);
            if (Double.isNaN(value)) {
                return; // the feature was absent from the whole window: keep the last index
            }
            psi = value;
            if (value > threshold && !above) {
                above = true;
                LOG.warn("Drift: model {} version {} feature '{}' has PSI {} over the last {} records, above "
                        + "monitor.drift.threshold={} (the reference: {})", model, version, name,
                        String.format("%.3f", value), windowRecords, threshold,
                        file != null ? "monitor.drift.reference.file" : "this version's first " + windowRecords
                                + " records");
            } else if (value <= threshold && above) {
                above = false;
                LOG.info("Drift: model {} version {} feature '{}' is back to PSI {}, at most monitor.drift.threshold={}",
                        model, version, name, String.format("%.3f", value), threshold);
            }
        }
    }

    VersionDrift(MeterRegistry meters, String model, String version, int windowRecords, double threshold,
            DriftReference file) {
        this.meters = meters;
        this.model = model;
        this.version = version;
        this.windowRecords = windowRecords;
        this.threshold = threshold;
        this.file = file;
    }

    /** Takes one scored record into the reference or the current window. */
    synchronized void observe(Features row, Prediction prediction) {
        if (probes == null) {
            start(row, prediction);
        }
        String label = prediction.label().orElse(null);
        int n = probes.size();
        if (referenceValues != null) {
            for (int i = 0; i < n; i++) {
                referenceValues[i][referenceCount] = probes.get(i).read(row);
            }
            referenceValues[n][referenceCount] = label == null ? LabelJoin.regressionValue(prediction) : Double.NaN;
            referenceClasses[referenceCount] = label;
            if (++referenceCount == windowRecords) {
                fixBins();
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            Feature f = numeric[i];
            if (f != null) {
                count(f, probes.get(i).read(row));
            }
        }
        if (numeric[n] != null) {
            count(numeric[n], label == null ? LabelJoin.regressionValue(prediction) : Double.NaN);
        }
        if (predictedClass != null && label != null) {
            predictedClass.window[predictedClass.classBins.bin(label)]++;
        }
        if (++windowCount == windowRecords) {
            windowCount = 0;
            features.values().forEach(Feature::close);
        }
    }

    private static void count(Feature f, double value) {
        if (!Double.isNaN(value)) {
            f.window[f.numericBins.bin(value)]++;
        }
    }

    private void start(Features row, Prediction prediction) {
        probes = FeatureProbe.of(row);
        numeric = new Feature[probes.size() + 1];
        if (file == null) {
            referenceValues = new double[probes.size() + 1][windowRecords];
            referenceClasses = new String[windowRecords];
            return;
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i <= probes.size(); i++) {
            String name = i < probes.size() ? probes.get(i).name() : DriftMonitor.PREDICTION;
            double[] values = file.values(name);
            if (values != null && values.length > 0) {
                numeric[i] = add(new Feature(name, QuantileBins.of(values, BINS), null));
            } else if (i < probes.size()) {
                missing.add(name);
            }
        }
        if (!file.classes().isEmpty()) {
            predictedClass = add(new Feature(DriftMonitor.PREDICTED_CLASS, null, CategoryBins.of(file.classes())));
        }
        if (!missing.isEmpty()) {
            LOG.info("Drift of model {} version {}: features {} are not in monitor.drift.reference.file and are not "
                    + "monitored", model, version, missing);
        }
    }

    private void fixBins() {
        for (int i = 0; i < referenceValues.length; i++) {
            double[] values = referenceValues[i];
            if (Arrays.stream(values).anyMatch(v -> !Double.isNaN(v))) {
                String name = i < probes.size() ? probes.get(i).name() : DriftMonitor.PREDICTION;
                numeric[i] = add(new Feature(name, QuantileBins.of(values, BINS), null));
            }
        }
        if (Arrays.stream(referenceClasses).anyMatch(c -> c != null)) {
            predictedClass = add(new Feature(DriftMonitor.PREDICTED_CLASS, null,
                    CategoryBins.of(Arrays.asList(referenceClasses))));
        }
        referenceValues = null;
        referenceClasses = null;
        LOG.info("Drift of model {} version {}: reference taken from its first {} records; {} monitored, PSI per "
                + "window of {} records", model, version, windowRecords, features.keySet(), windowRecords);
    }

    private Feature add(Feature f) {
        features.put(f.name, f);
        return f;
    }

    /** @return each monitored feature's last PSI (NaN before its first complete window). */
    synchronized Map<String, Double> psi() {
        Map<String, Double> out = new LinkedHashMap<>();
        features.forEach((name, f) -> out.put(name, f.psi));
        return out;
    }
}
