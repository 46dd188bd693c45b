package io.inferstream.deploy;

import io.inferstream.codec.JsonPredictionEncoder;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.engine.RecordScorer;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One batch's work on a {@link Deployment}, free of Kafka types: decode → route → predict → encode. Each record is
 * routed by its key to a serving version; each version scores its share of the batch in as few model calls as the
 * batch size allows; shadow versions score a copy of the whole batch. The Kafka engine, {@code score},
 * {@code serve} and the stream-processor integrations all wrap this same pipeline.
 *
 * <p>Thread safety: not thread-safe; one per worker slot (it keeps per-version scorers and counts model calls).
 */
public final class ScoringPipeline {
    private final int slot;
    private final int maxBatchSize;
    private final int maxRecordBytes;
    private final TrafficSample traffic;
    private final UnaryOperator<Model> instrument;
    private final JsonPredictionEncoder encoder = new JsonPredictionEncoder();
    private final Map<DeployedVersion, RecordScorer> scorers = new IdentityHashMap<>();
    private long scorersGeneration = -1;
    private int modelCalls;

    /** One record's outcome on the serving path: an encoded prediction, or the stage and reason it was rejected. */
    public static final class Outcome {
        private final DeployedVersion version;
        private final byte[] prediction;
        private final Features features;
        private final Prediction predicted;
        private final String stage;
        private final Exception error;

        Outcome(DeployedVersion version, byte[] prediction, Features features, Prediction predicted, String stage,
                Exception error) {
            this.version = version;
            this.prediction = prediction;
            this.features = features;
            this.predicted = predicted;
            this.stage = stage;
            this.error = error;
        }

        /** @return the decoded row that was scored, or null if rejected (monitoring reads it for input drift). */
        public Features features() {
            return features;
        }

        /** @return the model's prediction before encoding, or null if rejected (monitoring reads label or value). */
        public Prediction predicted() {
            return predicted;
        }

        /** @return true if the record was scored. */
        public boolean ok() {
            return prediction != null;
        }

        /** @return the version the record was routed to (whose name and version go on the output's headers). */
        public DeployedVersion version() {
            return version;
        }

        /** @return the prediction as JSON bytes, or null if rejected. */
        public byte[] prediction() {
            return prediction;
        }

        /** @return the dead-letter stage of a rejection, or null. */
        public String stage() {
            return stage;
        }

        /** @return why the record was rejected, or null. */
        public Exception error() {
            return error;
        }
    }

    /** A shadow version's prediction for one record of the batch. */
    public static final class ShadowOutcome {
        private final int index;
        private final DeployedVersion version;
        private final byte[] prediction;

        ShadowOutcome(int index, DeployedVersion version, byte[] prediction) {
            this.index = index;
            this.version = version;
            this.prediction = prediction;
        }

        /** @return the record's position in the batch. */
        public int index() {
            return index;
        }

        public DeployedVersion version() {
            return version;
        }

        /** @return the prediction as JSON bytes. */
        public byte[] prediction() {
            return prediction;
        }
    }

    /** A scored batch: one outcome per record in order, and the shadow predictions. */
    public static final class Result {
        private final List<Outcome> outcomes;
        private final List<ShadowOutcome> shadows;
        private final int shadowFailures;

        Result(List<Outcome> outcomes, List<ShadowOutcome> shadows, int shadowFailures) {
            this.outcomes = outcomes;
            this.shadows = shadows;
            this.shadowFailures = shadowFailures;
        }

        public List<Outcome> outcomes() {
            return outcomes;
        }

        public List<ShadowOutcome> shadows() {
            return shadows;
        }

        /** @return shadow scorings that failed; they never affect the outcomes. */
        public int shadowFailures() {
            return shadowFailures;
        }
    }

    /**
     * @param slot this worker's slot, choosing the instance of a model that is not thread-safe
     * @param maxBatchSize most rows per model call
     * @param maxRecordBytes larger values are rejected undecoded
     * @param traffic where to keep a sample of scored values, or null
     */
    public ScoringPipeline(int slot, int maxBatchSize, int maxRecordBytes, TrafficSample traffic) {
        this(slot, maxBatchSize, maxRecordBytes, traffic, UnaryOperator.identity());
    }

    /**
     * @param instrument wraps each version's model before this pipeline calls it, e.g. to time its calls; the
     *     wrapper must not close the model (the deployment owns it)
     */
    public ScoringPipeline(int slot, int maxBatchSize, int maxRecordBytes, TrafficSample traffic,
            UnaryOperator<Model> instrument) {
        this.instrument = instrument;
        this.slot = slot;
        this.maxBatchSize = maxBatchSize;
        this.maxRecordBytes = maxRecordBytes;
        this.traffic = traffic;
    }

    /**
     * Scores a batch against one deployment snapshot, which the caller holds for the duration.
     *
     * @param keys record keys (null allowed), used for routing and copied into predictions
     * @param values record values (null allowed: rejected at stage decode)
     * @throws ModelFailureException if a serving version cannot score at all, or could not answer now (a
     *     {@link RetriableInferenceException}, its cause: this method is for hosts that do not hold a batch and
     *     retry it); nothing of the batch should be committed
     */
    public Result score(Deployment deployment, List<byte[]> keys, List<byte[]> values) throws ModelFailureException {
        try {
            return scoreOrRetryLater(deployment, keys, values);
        } catch (RetriableInferenceException e) {
            throw new ModelFailureException("a serving version could not answer now: " + e.getMessage(), e);
        }
    }

    /**
     * Like {@link #score}, for a host that can hold the batch and offer it again later (the Kafka engine pauses its
     * partitions meanwhile). A shadow version that could not answer only counts as shadow failures.
     *
     * @throws RetriableInferenceException if a serving version could not answer now: the batch has no outcome (no
     *     record is rejected); score the same records again later
     */
    public Result scoreOrRetryLater(Deployment deployment, List<byte[]> keys, List<byte[]> values)
            throws ModelFailureException, RetriableInferenceException {
        if (deployment.generation() != scorersGeneration) {
            // Versions no longer deployed: keep their call counts, drop their scorers so they can be closed.
            List<DeployedVersion> deployed = new ArrayList<>(deployment.serving());
            deployed.addAll(deployment.shadows());
            for (var it = scorers.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<DeployedVersion, RecordScorer> e = it.next();
                if (!deployed.contains(e.getKey())) {
                    modelCalls += e.getValue().modelCallsAndReset();
                    it.remove();
                }
            }
            scorersGeneration = deployment.generation();
        }
        int n = values.size();
        Outcome[] outcomes = new Outcome[n];
        Map<DeployedVersion, List<Integer>> shares = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) {
            shares.computeIfAbsent(deployment.route(keys.get(i)), v -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<DeployedVersion, List<Integer>> share : shares.entrySet()) {
            DeployedVersion version = share.getKey();
            List<Integer> indexes = share.getValue();
            List<RecordScorer.Result> results = scorer(version).scoreOrRetryLater(pick(values, indexes));
            for (int j = 0; j < indexes.size(); j++) {
                int i = indexes.get(j);
                RecordScorer.Result r = results.get(j);
                outcomes[i] = r.ok()
                        ? new Outcome(version, encoder.encode(r.prediction(), version.info(), keys.get(i)),
                                r.features(), r.prediction(), null, null)
                        : new Outcome(version, null, null, null, r.stage(), r.error());
            }
        }
        offerSample(outcomes, values);
        List<ShadowOutcome> shadows = new ArrayList<>();
        int shadowFailures = 0;
        for (DeployedVersion shadow : deployment.shadows()) {
            try {
                List<RecordScorer.Result> results = scorer(shadow).scoreOrRetryLater(values);
                for (int i = 0; i < n; i++) {
                    RecordScorer.Result r = results.get(i);
                    if (r.ok()) {
                        shadows.add(new ShadowOutcome(i, shadow, encoder.encode(r.prediction(), shadow.info(), keys.get(i))));
                    } else {
                        shadowFailures++;
                    }
                }
            } catch (ModelFailureException | RetriableInferenceException | RuntimeException e) {
                // A shadow never affects the serving path, nor holds it up: count its failure and go on.
                shadowFailures += n;
            }
        }
        return new Result(List.of(outcomes), shadows, shadowFailures);
    }

    private void offerSample(Outcome[] outcomes, List<byte[]> values) {
        if (traffic == null) {
            return;
        }
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i].ok()) {
                traffic.offer(values.get(i));
                return;
            }
        }
    }

    private static List<byte[]> pick(List<byte[]> values, List<Integer> indexes) {
        if (indexes.size() == values.size()) {
            return values;
        }
        List<byte[]> out = new ArrayList<>(indexes.size());
        indexes.forEach(i -> out.add(values.get(i)));
        return out;
    }

    private RecordScorer scorer(DeployedVersion version) {
        return scorers.computeIfAbsent(version,
                v -> new RecordScorer(instrument.apply(v.model(slot)), v.decoder(), maxBatchSize, maxRecordBytes));
    }

    /** @return model calls made since the last call of this method (serving and shadow). */
    public int modelCallsAndReset() {
        int calls = modelCalls;
        modelCalls = 0;
        for (RecordScorer s : scorers.values()) {
            calls += s.modelCallsAndReset();
        }
        return calls;
    }
}
