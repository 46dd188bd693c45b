package io.inferstream.monitor;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.deploy.DeployedVersion;
import io.inferstream.scoring.ScoredBatch;
import io.inferstream.scoring.ScoredRecord;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Feeds a scored batch to the monitors that are on: the label join (each prediction remembered under its record key,
 * with its version) and drift (each scored row and prediction, per version). Rejected records are not monitored:
 * they are dead letters, counted by the engine's own meters.
 *
 * <p>Thread safety: thread-safe; every worker calls {@link #onScored} with its own batches.
 */
public final class ModelMonitor {
    private final LabelJoin labels; // null: off
    private final DriftMonitor drift; // null: off

    /**
     * @param labels the label join, or null if no labels topic is read
     * @param drift the drift monitor, or null if drift is off
     */
    public ModelMonitor(LabelJoin labels, DriftMonitor drift) {
        this.labels = labels;
        this.drift = drift;
    }

    /** @return true if any monitor is on (else callers need not call {@link #onScored}). */
    public boolean active() {
        return labels != null || drift != null;
    }

    public Optional<LabelJoin> labels() {
        return Optional.ofNullable(labels);
    }

    public Optional<DriftMonitor> drift() {
        return Optional.ofNullable(drift);
    }

    /**
     * @param scored the scoring pipeline's result for a batch, with its records' keys
     */
    public void onScored(ScoredBatch<?> scored) {
        List<byte[]> keys = scored.keys();
        List<? extends ScoredRecord<?>> outcomes = scored.outcomes();
        List<LabelJoin.Scored> remembered = labels == null ? null : new ArrayList<>(outcomes.size());
        Map<DeployedVersion, Rows> byVersion = drift == null ? null : new IdentityHashMap<>(4);
        for (int i = 0; i < outcomes.size(); i++) {
            ScoredRecord<?> o = outcomes.get(i);
            if (!o.ok()) {
                continue;
            }
            if (remembered != null && keys.get(i) != null) {
                remembered.add(new LabelJoin.Scored(keys.get(i), o.version().info().name(), o.version().info().version(),
                        o.prediction()));
            }
            if (byVersion != null) {
                Rows rows = byVersion.computeIfAbsent(o.version(), v -> new Rows());
                rows.features.add(o.features());
                rows.predictions.add(o.prediction());
            }
        }
        if (remembered != null && !remembered.isEmpty()) {
            labels.rememberAll(remembered);
        }
        if (byVersion != null) {
            byVersion.forEach((v, rows) -> drift.version(v.info().name(), v.info().version())
                    .observeAll(rows.features, rows.predictions));
        }
    }

    /** One version's share of a batch. */
    private static final class Rows {
        final List<Features> features = new ArrayList<>();
        final List<Prediction> predictions = new ArrayList<>();
    }
}
