package io.inferstream.monitor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * How right one model version has been on the labels that arrived: for a classifier, the share of joined labels its
 * predicted label matched (accuracy); for a regressor, the mean absolute error and the root mean squared error; and
 * for both, how many labels were joined and how many predictions expired or were dropped without one. Cumulative
 * since the engine started. Meters: {@code inferstream.monitor.*}, tagged {@code model} and {@code version}.
 *
 * <p>Thread safety: thread-safe; the sums are updated under this object's lock, so a gauge read sees a count and a
 * sum that belong together.
 */
final class VersionQuality {
    static final String JOINED = "inferstream.monitor.labels.joined";
    static final String CORRECT = "inferstream.monitor.predictions.correct";
    static final String EXPIRED = "inferstream.monitor.predictions.expired";
    static final String DROPPED = "inferstream.monitor.predictions.dropped";
    static final String ACCURACY = "inferstream.monitor.accuracy";
    static final String MAE = "inferstream.monitor.mae";
    static final String RMSE = "inferstream.monitor.rmse";
    /** A {@link #DROPPED} reason: the pending cap was reached and this was the oldest waiting prediction. */
    static final String CAPACITY = "capacity";
    /** A {@link #DROPPED} reason: the same key was predicted again before its label arrived. */
    static final String SUPERSEDED = "superseded";

    private final String model;
    private final String version;
    private final Counter joined;
    private final Counter droppedAtCapacity;
    private final Counter superseded;
    private final Counter correct;
    private final Counter expired;
    private long classified;
    private long classifiedRight;
    private long regressed;
    private double absoluteErrors;
    private double squaredErrors;

    VersionQuality(MeterRegistry meters, String model, String version) {
        this.model = model;
        this.version = version;
        Tags tags = Tags.of("model", model, "version", version);
        joined = Counter.builder(JOINED).tags(tags)
                .description("True labels joined with the prediction this version made for their key").register(meters);
        correct = Counter.builder(CORRECT).tags(tags)
                .description("Joined classifier predictions whose label matched the true label").register(meters);
        expired = Counter.builder(EXPIRED).tags(tags)
                .description("Predictions whose label did not arrive within monitor.window.ms").register(meters);
        // Both reasons registered up front: a re-scored key is common (a user's next event), and a lookup per record
        // would cost more than the join itself.
        droppedAtCapacity = dropped(meters, tags, CAPACITY);
        superseded = dropped(meters, tags, SUPERSEDED);
        Gauge.builder(ACCURACY, this, VersionQuality::accuracy).tags(tags).strongReference(true)
                .description("Share of joined labels the classifier predicted right (NaN before the first)")
                .register(meters);
        Gauge.builder(MAE, this, VersionQuality::meanAbsoluteError).tags(tags).strongReference(true)
                .description("Mean absolute error of the regressor on joined labels (NaN before the first)")
                .register(meters);
        Gauge.builder(RMSE, this, VersionQuality::rootMeanSquaredError).tags(tags).strongReference(true)
                .description("Root mean squared error of the regressor on joined labels (NaN before the first)")
                .register(meters);
    }

    String model() {
        return model;
    }

    String version() {
        return version;
    }

    synchronized void joinedClass(boolean right) {
        classified++;
        if (right) {
            classifiedRight++;
            correct.increment();
        }
        joined.increment();
    }

    synchronized void joinedValue(double error) {
        regressed++;
        absoluteErrors += Math.abs(error);
        squaredErrors += error * error;
        joined.increment();
    }

    void expired() {
        expired.increment();
    }

    private static Counter dropped(MeterRegistry meters, Tags tags, String reason) {
        return Counter.builder(DROPPED).tags(tags).tag("reason", reason)
                .description("Predictions no longer waiting for a label before their window ended, by reason")
                .register(meters);
    }

    /** Counts a prediction that stopped waiting early: {@link #CAPACITY} or {@link #SUPERSEDED}. */
    void dropped(String reason) {
        (CAPACITY.equals(reason) ? droppedAtCapacity : superseded).increment();
    }

    synchronized double accuracy() {
        return classified == 0 ? Double.NaN : (double) classifiedRight / classified;
    }

    synchronized double meanAbsoluteError() {
        return regressed == 0 ? Double.NaN : absoluteErrors / regressed;
    }

    synchronized double rootMeanSquaredError() {
        return regressed == 0 ? Double.NaN : Math.sqrt(squaredErrors / regressed);
    }

    /** @return labels joined with this version's predictions. */
    long joined() {
        return (long) joined.count();
    }

    long expiredCount() {
        return (long) expired.count();
    }
}
