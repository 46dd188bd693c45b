package io.inferstream.scoring;

import io.inferstream.codec.JsonPredictionEncoder;
import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.codec.PredictionEncoder;
import io.inferstream.codec.SchemaUnavailableException;
import io.inferstream.data.Prediction;
import io.inferstream.deploy.DeployedVersion;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.TrafficSample;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.RetriableInferenceException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * One batch's work on a {@link Deployment}, free of Kafka types: decode → route → predict → encode. Each record is
 * routed by its key to a serving version; each version scores its share of the batch in as few model calls as the
 * batch size allows; shadow versions score a copy of the whole batch; each prediction is written by the pipeline's
 * {@link PredictionEncoder}. The Kafka engine, the Kafka Streams processor, the Flink operator and Flink SQL all wrap
 * this same pipeline and read the same {@link ScoredRecord}s.
 *
 * <p>Thread safety: not thread-safe; one per worker slot (it keeps per-version scorers and counts model calls).
 *
 * @param <T> what the encoder makes of a prediction
 */
public final class ScoringPipeline<T> {
    private final int slot;
    private final int maxBatchSize;
    private final int maxRecordBytes;
    private final TrafficSample traffic;
    private final UnaryOperator<Model> instrument;
    private final PredictionEncoder<T> encoder;
    /** Makes a version's decoder of named values ({@link #scoreFields}); null: this pipeline scores bytes only. */
    private final Function<ModelInfo, JsonRecordDecoder> fieldDecoders;
    private final Map<DeployedVersion, RecordScorer> scorers = new IdentityHashMap<>();
    private long scorersGeneration = -1;
    private int modelCalls;

    /**
     * @param slot this worker's slot, choosing the instance of a model that is not thread-safe
     * @param maxBatchSize most rows per model call
     * @param maxRecordBytes larger values are rejected undecoded
     * @param traffic where to keep a sample of scored values, or null
     * @param encoder writes each prediction, e.g. a {@link io.inferstream.codec.JsonPredictionEncoder}
     */
    public ScoringPipeline(int slot, int maxBatchSize, int maxRecordBytes, TrafficSample traffic,
            PredictionEncoder<T> encoder) {
        this(slot, maxBatchSize, maxRecordBytes, traffic, encoder, UnaryOperator.identity());
    }

    /** @return a pipeline that writes predictions as JSON ({@link JsonPredictionEncoder}), as every Kafka host does. */
    public static ScoringPipeline<byte[]> json(int slot, int maxBatchSize, int maxRecordBytes, TrafficSample traffic) {
        return new ScoringPipeline<>(slot, maxBatchSize, maxRecordBytes, traffic, new JsonPredictionEncoder());
    }

    /**
     * @param instrument wraps each version's model before this pipeline calls it, e.g. to time its calls; the
     *     wrapper must not close the model (the deployment owns it)
     */
    public ScoringPipeline(int slot, int maxBatchSize, int maxRecordBytes, TrafficSample traffic,
            PredictionEncoder<T> encoder, UnaryOperator<Model> instrument) {
        this(slot, maxBatchSize, maxRecordBytes, traffic, encoder, instrument, null);
    }

    private ScoringPipeline(int slot, int maxBatchSize, int maxRecordBytes, TrafficSample traffic,
            PredictionEncoder<T> encoder, UnaryOperator<Model> instrument,
            Function<ModelInfo, JsonRecordDecoder> fieldDecoders) {
        this.fieldDecoders = fieldDecoders;
        this.encoder = encoder;
        this.instrument = instrument;
        this.slot = slot;
        this.maxBatchSize = maxBatchSize;
        this.maxRecordBytes = maxRecordBytes;
        this.traffic = traffic;
    }

    /**
     * @param concatenations the engine's {@code input.concat.*}: tensor input name to the fields joined into it
     * @param allowNonFinite whether NaN and infinities may reach the model ({@code input.allow.nan})
     * @return a new pipeline like this one that also scores records of named values ({@link #scoreFields}), each
     *     decoded for the version it is routed to by the JSON decoder's rules with these settings
     */
    public ScoringPipeline<T> decodingFields(Map<String, List<String>> concatenations, boolean allowNonFinite) {
        Map<String, List<String>> joined = Map.copyOf(concatenations);
        return new ScoringPipeline<>(slot, maxBatchSize, maxRecordBytes, traffic, encoder, instrument,
                info -> new JsonRecordDecoder(info, joined, allowNonFinite));
    }

    /**
     * Like {@link #score(Deployment, List, List)}, for records that are named Java values rather than bytes (a SQL
     * row's columns): each is decoded by {@link JsonRecordDecoder#decode(Map)} for the version it is routed to, so it
     * meets the same coercions, messages and dead-letter stages as the same values written as a JSON record, with no
     * JSON text written or parsed. Such records are not kept in the traffic sample (it holds record bytes): a new
     * version is checked against the serving version's signature instead.
     *
     * @param keys record keys (null allowed), used for routing and copied into predictions
     * @param records field name to value per record (null allowed: rejected at stage decode)
     * @throws IllegalStateException if this pipeline was not made by {@link #decodingFields}
     */
    public ScoredBatch<T> scoreFields(Deployment deployment, List<byte[]> keys,
            List<? extends Map<String, ?>> records) throws ModelFailureException {
        if (fieldDecoders == null) {
            throw new IllegalStateException("this pipeline scores record bytes; make one with decodingFields(...) "
                    + "to score named values");
        }
        try {
            return scoreWith(deployment, keys, records, RecordScorer::scoreFieldsOrRetryLater, null);
        } catch (RetriableInferenceException e) {
            throw new ModelFailureException("a serving version could not answer now: " + e.getMessage(), e);
        }
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
    public ScoredBatch<T> score(Deployment deployment, List<byte[]> keys, List<byte[]> values) throws ModelFailureException {
        try {
            return scoreOrRetryLater(deployment, keys, values);
        } catch (RetriableInferenceException e) {
            throw new ModelFailureException("a serving version could not answer now: " + e.getMessage(), e);
        }
    }

    /**
     * Like {@link #score(Deployment, List, List)}, for a batch of a host's own records: each record's key and value
     * are read with the two functions, so that no host splits its batch itself.
     *
     * @param records the batch, in order
     * @param key a record's key (null allowed)
     * @param value a record's value (null allowed)
     */
    public <R> ScoredBatch<T> score(Deployment deployment, List<? extends R> records, Function<? super R, byte[]> key,
            Function<? super R, byte[]> value) throws ModelFailureException {
        return score(deployment, map(records, key), map(records, value));
    }

    /**
     * Like {@link #scoreOrRetryLater(Deployment, List, List)}, for a batch of a host's own records, read as by
     * {@link #score(Deployment, List, Function, Function)}.
     */
    public <R> ScoredBatch<T> scoreOrRetryLater(Deployment deployment, List<? extends R> records,
            Function<? super R, byte[]> key, Function<? super R, byte[]> value)
            throws ModelFailureException, RetriableInferenceException {
        return scoreOrRetryLater(deployment, map(records, key), map(records, value));
    }

    private static <R> List<byte[]> map(List<? extends R> records, Function<? super R, byte[]> part) {
        List<byte[]> out = new ArrayList<>(records.size());
        for (R r : records) {
            out.add(part.apply(r));
        }
        return out;
    }

    /**
     * Like {@link #score}, for a host that can hold the batch and offer it again later (the Kafka engine pauses its
     * partitions meanwhile). A shadow version that could not answer only counts as shadow failures.
     *
     * @throws RetriableInferenceException if a serving version could not answer now: the batch has no outcome (no
     *     record is rejected); score the same records again later
     */
    public ScoredBatch<T> scoreOrRetryLater(Deployment deployment, List<byte[]> keys, List<byte[]> values)
            throws ModelFailureException, RetriableInferenceException {
        return scoreWith(deployment, keys, values, RecordScorer::scoreOrRetryLater, values);
    }

    /** How a version's scorer scores records of one form (bytes, named values). */
    @FunctionalInterface
    private interface Scoring<V> {
        List<ScoredRecord<Prediction>> score(RecordScorer scorer, List<V> records)
                throws ModelFailureException, RetriableInferenceException;
    }

    /** @param sampleFrom the records' bytes for the traffic sample, or null for records that are not bytes */
    private <V> ScoredBatch<T> scoreWith(Deployment deployment, List<byte[]> keys, List<V> values, Scoring<V> scoring,
            List<byte[]> sampleFrom) throws ModelFailureException, RetriableInferenceException {
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
        List<ScoredRecord<T>> outcomes = new ArrayList<>(Collections.nCopies(n, null));
        Map<DeployedVersion, List<Integer>> shares = new IdentityHashMap<>();
        for (int i = 0; i < n; i++) {
            shares.computeIfAbsent(deployment.route(keys.get(i)), v -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<DeployedVersion, List<Integer>> share : shares.entrySet()) {
            DeployedVersion version = share.getKey();
            List<Integer> indexes = share.getValue();
            List<ScoredRecord<Prediction>> results = scoring.score(scorer(version), pick(values, indexes));
            for (int j = 0; j < indexes.size(); j++) {
                int i = indexes.get(j);
                outcomes.set(i, encode(results.get(j), i, version, keys.get(i)));
            }
        }
        if (sampleFrom != null) {
            offerSample(outcomes, sampleFrom);
        }
        List<ScoredRecord<T>> shadows = new ArrayList<>();
        int shadowFailures = 0;
        for (DeployedVersion shadow : deployment.shadows()) {
            try {
                List<ScoredRecord<Prediction>> results = scoring.score(scorer(shadow), values);
                for (int i = 0; i < n; i++) {
                    ScoredRecord<Prediction> r = results.get(i);
                    if (r.ok()) {
                        shadows.add(encode(r, i, shadow, keys.get(i)));
                    } else {
                        shadowFailures++;
                    }
                }
            } catch (ModelFailureException | RetriableInferenceException | RuntimeException e) {
                // A shadow never affects the serving path, nor holds it up: count its failure and go on.
                shadowFailures += n;
            }
        }
        return new ScoredBatch<>(keys, outcomes, shadows, shadowFailures);
    }

    private ScoredRecord<T> encode(ScoredRecord<Prediction> r, int index, DeployedVersion version, byte[] key)
            throws RetriableInferenceException {
        try {
            return r.as(index, version, r.ok() ? encoder.encode(r.prediction(), version.info(), key) : null);
        } catch (SchemaUnavailableException e) {
            // An encoder that registers its schema (output.codec=avro) and found the registry down: the batch waits.
            throw new RetriableInferenceException(e.getMessage(), e);
        }
    }

    private void offerSample(List<ScoredRecord<T>> outcomes, List<byte[]> values) {
        if (traffic == null) {
            return;
        }
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i).ok()) {
                traffic.offer(values.get(i));
                return;
            }
        }
    }

    private static <V> List<V> pick(List<V> values, List<Integer> indexes) {
        if (indexes.size() == values.size()) {
            return values;
        }
        List<V> out = new ArrayList<>(indexes.size());
        indexes.forEach(i -> out.add(values.get(i)));
        return out;
    }

    private RecordScorer scorer(DeployedVersion version) {
        return scorers.computeIfAbsent(version,
                v -> new RecordScorer(instrument.apply(v.model(slot)), v.decoder(),
                        fieldDecoders == null ? null : fieldDecoders.apply(v.info()), maxBatchSize, maxRecordBytes));
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
