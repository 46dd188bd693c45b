package io.inferstream.monitor;

import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accuracy from delayed labels: remembers, per record key, the prediction made and the model version that made it,
 * joins each true label that arrives later for the same key within the window, and reports per version (meters
 * {@code inferstream.monitor.*} tagged {@code model} and {@code version}): accuracy for classifiers (the predicted
 * label against the true one), MAE and RMSE for regressors (the single numeric output against the true number),
 * labels joined, and predictions that expired or were dropped without a label. Labels for which no prediction waits
 * (never made, made before this engine started, already expired or dropped) are counted as unmatched; label values
 * that cannot be read are counted as invalid and logged.
 *
 * <p>A prediction waits at most {@code windowMs} (by this process's clock, from when it was made to when the label is
 * read), and at most {@code capacity} predictions wait at once: at the cap the oldest is dropped (counted under
 * {@code inferstream.monitor.predictions.dropped}, reason {@code capacity}). Records without a key are not
 * remembered: no label could name them.
 *
 * <p>Thread safety: thread-safe; workers call {@link #rememberAll} and the labels consumer calls {@link #onLabel}
 * and {@link #expire} concurrently.
 */
public final class LabelJoin {
    private static final Logger LOG = LoggerFactory.getLogger(LabelJoin.class);
    static final String UNMATCHED = "inferstream.monitor.labels.unmatched";
    static final String INVALID = "inferstream.monitor.labels.invalid";
    static final String PENDING = "inferstream.monitor.pending";

    private final MeterRegistry meters;
    private final LongSupplier clock;
    private final PendingPredictions pending;
    private final Counter unmatched;
    private final Counter invalid;
    private final Map<String, Map<String, VersionQuality>> versions = new ConcurrentHashMap<>();
    private volatile long lastInvalidLogMillis = Long.MIN_VALUE;
    private volatile boolean warnedUnlabelable;

    /** What became of one label. */
    public enum Outcome {
        /** Joined with the prediction made for its key. */
        JOINED,
        /** No prediction within the window waits for its key. */
        UNMATCHED,
        /** The value could not be read, or is not a number for a regressor's prediction. */
        INVALID
    }

    /**
     * @param windowMs how long a prediction waits for its label
     * @param capacity most predictions waiting at once
     * @param clock milliseconds (the wall clock in the engine; a test's own clock in unit tests)
     */
    public LabelJoin(MeterRegistry meters, long windowMs, int capacity, LongSupplier clock) {
        this.meters = meters;
        this.clock = clock;
        this.pending = new PendingPredictions(windowMs, capacity);
        unmatched = Counter.builder(UNMATCHED)
                .description("True labels for which no prediction was waiting (never made, expired or dropped)")
                .register(meters);
        invalid = Counter.builder(INVALID).description("Label records whose value could not be read as a label")
                .register(meters);
        Gauge.builder(PENDING, pending, PendingPredictions::size).strongReference(true)
                .description("Predictions waiting for their true label").register(meters);
    }

    /** One prediction for {@link #rememberAll}. */
    public static final class Scored {
        final byte[] key;
        final String model;
        final String version;
        final Prediction prediction;

        /** @param key the record key (null: not remembered) */
        public Scored(byte[] key, String model, String version, Prediction prediction) {
            this.key = key;
            this.model = model;
            this.version = version;
            this.prediction = prediction;
        }
    }

    /** Remembers a batch's predictions (one lock for the batch). */
    public void rememberAll(List<Scored> scored) {
        long now = clock.getAsLong();
        List<PendingPredictions.Pending> made = new ArrayList<>(scored.size());
        VersionQuality quality = null; // a batch is mostly one version: look it up once per run of the same one
        for (Scored s : scored) {
            if (s.key == null) {
                continue;
            }
            String label = s.prediction.label().orElse(null);
            double value = label == null ? regressionValue(s.prediction) : Double.NaN;
            if (label == null && Double.isNaN(value)) {
                warnUnlabelable(s);
                continue;
            }
            if (quality == null || !quality.model().equals(s.model) || !quality.version().equals(s.version)) {
                quality = quality(s.model, s.version);
            }
            made.add(new PendingPredictions.Pending(s.key, quality, label, value, now));
        }
        if (!made.isEmpty()) {
            pending.rememberAll(made);
        }
    }

    /**
     * Joins a label with the prediction waiting for its key.
     *
     * @param key the label record's key
     * @param value the label record's value (see {@link TrueLabel#parse})
     */
    public Outcome onLabel(byte[] key, byte[] value) {
        TrueLabel label;
        try {
            label = TrueLabel.parse(value);
        } catch (IllegalArgumentException e) {
            return invalid(key, e.getMessage());
        }
        PendingPredictions.Pending p = key == null ? null : pending.take(key, clock.getAsLong());
        if (p == null) {
            unmatched.increment();
            return Outcome.UNMATCHED;
        }
        if (p.label != null) {
            p.version.joinedClass(label.matches(p.label));
        } else if (label.isNumber()) {
            p.version.joinedValue(p.value - label.number());
        } else {
            return invalid(key, "the label '" + label.text() + "' is not a number, but model " + p.version.model()
                    + " version " + p.version.version() + " is a regressor");
        }
        return Outcome.JOINED;
    }

    /** Counts as expired every prediction that has waited longer than the window; call it now and then. */
    public void expire() {
        pending.expire(clock.getAsLong());
    }

    private Outcome invalid(byte[] key, String why) {
        invalid.increment();
        long now = System.currentTimeMillis();
        if (now - lastInvalidLogMillis > 10_000) { // a stream of bad labels must not flood the log
            lastInvalidLogMillis = now;
            LOG.warn("A label record could not be used (key {}): {}; counted in {} (logged at most every 10 s)",
                    describe(key), why, INVALID);
        }
        return Outcome.INVALID;
    }

    /** @return a key for a log line: its text, cut short, with anything unprintable replaced. */
    private static String describe(byte[] key) {
        if (key == null) {
            return "null";
        }
        String text = new String(key, 0, Math.min(key.length, 64), java.nio.charset.StandardCharsets.UTF_8)
                .replaceAll("[^\\p{Print}]", "?");
        return "'" + text + (key.length > 64 ? "...' (" + key.length + " bytes)" : "'");
    }

    private void warnUnlabelable(Scored s) {
        if (!warnedUnlabelable) {
            warnedUnlabelable = true;
            LOG.warn("Model {} version {} gives neither a class label nor a single numeric output, so its predictions "
                    + "cannot be compared with labels (set model.class.labels for a classifier that outputs only "
                    + "probabilities)", s.model, s.version);
        }
    }

    /**
     * @return a regressor's predicted value: the first output holding exactly one number; NaN if there is none
     */
    static double regressionValue(Prediction p) {
        for (Tensor t : p.outputs().values()) {
            if (t.size() == 1 && t.type().isNumeric()) {
                return t.getDouble(0);
            }
        }
        return Double.NaN;
    }

    private VersionQuality quality(String model, String version) {
        return versions.computeIfAbsent(model, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(version, v -> new VersionQuality(meters, model, version));
    }

    /** Per-version figures, for the status page and tests. */
    public static final class VersionFigures {
        public final String model;
        public final String version;
        public final long joined;
        public final long expired;
        public final double accuracy;
        public final double mae;
        public final double rmse;

        VersionFigures(VersionQuality q) {
            model = q.model();
            version = q.version();
            joined = q.joined();
            expired = q.expiredCount();
            accuracy = q.accuracy();
            mae = q.meanAbsoluteError();
            rmse = q.rootMeanSquaredError();
        }
    }

    /** @return the figures of every version that has made a prediction, by "model version". */
    public Map<String, VersionFigures> figures() {
        Map<String, VersionFigures> out = new TreeMap<>();
        versions.forEach((m, byVersion) -> byVersion.forEach((v, q) -> out.put(m + " " + v, new VersionFigures(q))));
        return out;
    }

    /** @return labels with no prediction waiting. */
    public long unmatched() {
        return (long) unmatched.count();
    }

    /** @return label records that could not be used. */
    public long invalid() {
        return (long) invalid.count();
    }

    /** @return predictions waiting for a label. */
    public int pending() {
        return pending.size();
    }
}
