package io.inferstream.scoring;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores a batch with as few model calls as possible while keeping one bad record from failing the others: each
 * record is a group of its own under {@link BadRecordIsolation}'s rule, and a rejected record is set aside at stage
 * {@link DeadLetterHeaders#STAGE_PREDICT}. A {@link RetriableInferenceException} says nothing about any record: it ends
 * the scoring of the whole batch at once (never one record at a time), for the caller to try the same batch again
 * later.
 *
 * <p>Thread safety: not thread-safe (it counts model calls); the model must be usable from the calling thread.
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
        List<BadRecordIsolation.GroupOutcome> outcomes = BadRecordIsolation.scoreEach(rows, this::call,
                model.info().name());
        List<ScoredRecord<Prediction>> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            BadRecordIsolation.GroupOutcome o = outcomes.get(i);
            Prediction prediction = o.ok() ? o.predictions().get(0) : null;
            out.add(o.ok()
                    ? ScoredRecord.scored(i, null, rows.get(i), prediction, prediction)
                    : ScoredRecord.rejected(i, null, DeadLetterHeaders.STAGE_PREDICT, o.rejection()));
        }
        return out; // package-private: RecordScorer reads it and makes its own result list
    }

    private List<Prediction> call(List<Features> batch) throws InferenceException {
        calls++;
        return model.predict(batch);
    }
}
