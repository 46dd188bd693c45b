package io.inferstream.engine;

import io.inferstream.codec.MalformedRecordException;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes and scores a batch of raw record values: the engine's work on one poll, minus Kafka. Every value ends
 * as a {@link Result}: a prediction, or the stage and reason it was rejected. The engine and the offline
 * {@code inferstream score} command both use it, so both treat bad input the same way.
 *
 * <p>Thread safety: not thread-safe (it counts model calls); use one per thread. The model must be usable from
 * the calling thread.
 */
public final class RecordScorer {
    private final RecordDecoder decoder;
    private final BatchScorer scorer;
    private final int maxBatchSize;
    private final int maxRecordBytes;

    /** One value's outcome. */
    public static final class Result {
        private final Features features;
        private final Prediction prediction;
        private final String stage;
        private final Exception error;

        private Result(Features features, Prediction prediction, String stage, Exception error) {
            this.features = features;
            this.prediction = prediction;
            this.stage = stage;
            this.error = error;
        }

        /** @return the decoded row that was scored (for monitoring: drift of the inputs), or null if rejected. */
        public Features features() {
            return features;
        }

        /** @return true if the value was scored. */
        public boolean ok() {
            return prediction != null;
        }

        /** @return the prediction, or null if rejected. */
        public Prediction prediction() {
            return prediction;
        }

        /** @return the {@link DeadLetterHeaders} stage of a rejection, or null. */
        public String stage() {
            return stage;
        }

        /** @return why the value was rejected, or null. */
        public Exception error() {
            return error;
        }
    }

    /**
     * @param model the model to score with
     * @param decoder turns values into rows for that model
     * @param maxBatchSize most rows per model call
     * @param maxRecordBytes larger values are rejected undecoded
     */
    public RecordScorer(Model model, RecordDecoder decoder, int maxBatchSize, int maxRecordBytes) {
        this.decoder = decoder;
        this.scorer = new BatchScorer(model);
        this.maxBatchSize = maxBatchSize;
        this.maxRecordBytes = maxRecordBytes;
    }

    /**
     * @param values record values, null allowed (rejected at stage decode)
     * @return one result per value, in order
     * @throws ModelFailureException if the model cannot score at all, or could not answer now (a
     *     {@link RetriableInferenceException}, its cause: this method is for callers that do not wait and retry);
     *     nothing of the batch should be committed
     */
    public List<Result> score(List<byte[]> values) throws ModelFailureException {
        try {
            return scoreOrRetryLater(values);
        } catch (RetriableInferenceException e) {
            throw new ModelFailureException("the model could not answer now: " + e.getMessage(), e);
        }
    }

    /**
     * Like {@link #score}, for a caller that can hold the batch and offer it again (the Kafka engine).
     *
     * @throws RetriableInferenceException if the model could not answer now: no record of the batch has an outcome
     *     (none is rejected); score the same values again later
     */
    public List<Result> scoreOrRetryLater(List<byte[]> values)
            throws ModelFailureException, RetriableInferenceException {
        Result[] results = new Result[values.size()];
        List<Integer> decodedIndex = new ArrayList<>(values.size());
        List<Features> rows = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            byte[] value = values.get(i);
            try {
                if (value == null) {
                    throw new MalformedRecordException("record value is null");
                }
                if (value.length > maxRecordBytes) {
                    throw new MalformedRecordException("record value has " + value.length + " bytes, more than "
                            + "input.max.record.bytes=" + maxRecordBytes);
                }
                rows.add(decoder.decode(value));
                decodedIndex.add(i);
            } catch (MalformedRecordException e) {
                results[i] = new Result(null, null, DeadLetterHeaders.STAGE_DECODE, e);
            } catch (InvalidInputException e) {
                results[i] = new Result(null, null, DeadLetterHeaders.STAGE_VALIDATE, e);
            }
        }
        for (int from = 0; from < rows.size(); from += maxBatchSize) {
            int to = Math.min(rows.size(), from + maxBatchSize);
            List<BatchScorer.Outcome> outcomes = scorer.score(rows.subList(from, to));
            for (int j = 0; j < outcomes.size(); j++) {
                BatchScorer.Outcome o = outcomes.get(j);
                results[decodedIndex.get(from + j)] = o.prediction != null
                        ? new Result(rows.get(from + j), o.prediction, null, null)
                        : new Result(null, null, DeadLetterHeaders.STAGE_PREDICT, o.error);
            }
        }
        return List.of(results);
    }

    /** @return model calls made since the last call of this method. */
    public int modelCallsAndReset() {
        return scorer.callsAndReset();
    }
}
