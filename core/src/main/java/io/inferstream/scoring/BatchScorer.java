package io.inferstream.scoring;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores a batch with as few model calls as possible while keeping one bad record from failing the others.
 *
 * <p>The whole batch goes to the model in one call. If the model rejects one record
 * ({@link InvalidInputException} with its index), that record is set aside and the rest is scored again; if it
 * cannot say which record, or fails in an unexpected way, the records are scored one at a time to find out. Only
 * when every record fails on its own is the failure taken to be the model's ({@link ModelFailureException}). A
 * {@link RetriableInferenceException} says nothing about any record: it ends the scoring of the whole batch at once
 * (never one record at a time), for the caller to try the same batch again later.
 *
 * <p>Thread safety: stateless apart from the model, which the caller must be allowed to use from this thread.
 */
final class BatchScorer {
    private final Model model;

    BatchScorer(Model model) {
        this.model = model;
    }

    /** Counts the model calls made, for the metrics. */
    private int calls;

    int callsAndReset() {
        int c = calls;
        calls = 0;
        return c;
    }

    /**
     * @return one outcome per row, in order: scored (the output is the prediction itself) or rejected at stage
     *     {@link DeadLetterHeaders#STAGE_PREDICT}
     * @throws ModelFailureException if the model cannot score at all
     * @throws RetriableInferenceException if the model could not answer now; no outcome of the batch is decided
     */
    List<ScoredRecord<Prediction>> score(List<Features> rows) throws ModelFailureException, RetriableInferenceException {
        @SuppressWarnings("unchecked")
        ScoredRecord<Prediction>[] outcomes = new ScoredRecord[rows.size()];
        List<Integer> pending = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            pending.add(i);
        }
        while (!pending.isEmpty()) {
            List<Features> batch = new ArrayList<>(pending.size());
            pending.forEach(i -> batch.add(rows.get(i)));
            try {
                List<Prediction> predictions = call(batch);
                for (int j = 0; j < pending.size(); j++) {
                    outcomes[pending.get(j)] = scored(rows, pending.get(j), predictions.get(j));
                }
                break;
            } catch (InvalidInputException e) {
                int bad = e.recordIndex();
                if (bad >= 0 && bad < pending.size()) {
                    int index = pending.remove(bad);
                    outcomes[index] = rejected(index, e);
                    continue;
                }
                scoreOneByOne(rows, pending, outcomes, e);
                break;
            } catch (ModelFailureException | RetriableInferenceException e) {
                throw e;
            } catch (InferenceException | RuntimeException e) {
                scoreOneByOne(rows, pending, outcomes, e);
                break;
            }
        }
        return List.of(outcomes);
    }

    private static ScoredRecord<Prediction> scored(List<Features> rows, int index, Prediction prediction) {
        return ScoredRecord.scored(index, null, rows.get(index), prediction, prediction);
    }

    private static ScoredRecord<Prediction> rejected(int index, Exception error) {
        return ScoredRecord.rejected(index, null, DeadLetterHeaders.STAGE_PREDICT, error);
    }

    private List<Prediction> call(List<Features> batch) throws InferenceException {
        calls++;
        List<Prediction> predictions = model.predict(batch);
        if (predictions == null || predictions.size() != batch.size()) {
            throw new ModelFailureException("model " + model.info().name() + " returned "
                    + (predictions == null ? "null" : predictions.size() + " predictions") + " for " + batch.size()
                    + " records");
        }
        return predictions;
    }

    private void scoreOneByOne(List<Features> rows, List<Integer> pending, ScoredRecord<Prediction>[] outcomes,
            Exception batchError)
            throws ModelFailureException, RetriableInferenceException {
        int failures = 0;
        Exception last = batchError;
        for (int i : pending) {
            try {
                outcomes[i] = scored(rows, i, call(List.of(rows.get(i))).get(0));
            } catch (ModelFailureException | RetriableInferenceException e) {
                throw e;
            } catch (InferenceException | RuntimeException e) {
                outcomes[i] = rejected(i, e);
                failures++;
                last = e;
            }
        }
        boolean allFailedUnexpectedly = failures == pending.size() && !(last instanceof InvalidInputException);
        if (allFailedUnexpectedly && pending.size() > 1) {
            throw new ModelFailureException("model " + model.info().name() + " failed on every record of a batch: "
                    + last, last);
        }
        if (allFailedUnexpectedly) {
            // A batch of one that fails unexpectedly: we cannot tell the record from the model. Failing safe
            // (stop, commit nothing) loses nothing; the alternative could dead-letter a whole stream.
            throw new ModelFailureException("model " + model.info().name() + " failed: " + last, last);
        }
    }
}
