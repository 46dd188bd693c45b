package io.inferstream.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The isolation logic with a tiny Java model: doubles "x", rejects negatives in one of several ways. */
public class BatchScorerTest {
    public enum Rejection { WITH_INDEX, WITHOUT_INDEX, RUNTIME, MODEL_DOWN }

    public static final class DoublingModel implements Model {
        final Rejection rejection;
        public final List<Integer> batchSizes = new ArrayList<>();

        public DoublingModel(Rejection rejection) {
            this.rejection = rejection;
        }

        @Override
        public ModelInfo info() {
            return ModelInfo.builder("java").name("doubler").input(FieldSpec.scalar("x", DataType.DOUBLE))
                    .output(FieldSpec.scalar("y", DataType.DOUBLE)).threadSafe(true).build();
        }

        @Override
        public List<Prediction> predict(List<Features> batch) throws InferenceException {
            batchSizes.add(batch.size());
            List<Prediction> out = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                double x = batch.get(i).get("x").asDoubles()[0];
                if (rejection == Rejection.MODEL_DOWN) {
                    throw new ModelFailureException("session closed");
                }
                if (x < 0) {
                    switch (rejection) {
                        case WITH_INDEX: throw new InvalidInputException(i, "x", "negative");
                        case WITHOUT_INDEX: throw new InvalidInputException("x", "negative");
                        default: throw new IllegalStateException("native error");
                    }
                }
                out.add(Prediction.builder().output("y", Tensor.scalar(2 * x)).build());
            }
            return out;
        }

        @Override
        public void close() {
        }
    }

    private static List<Features> rows(double... xs) {
        List<Features> rows = new ArrayList<>();
        for (double x : xs) {
            rows.add(Features.builder().put("x", x).build());
        }
        return rows;
    }

    @Test
    void goodBatchIsOneCall() throws Exception {
        DoublingModel m = new DoublingModel(Rejection.WITH_INDEX);
        BatchScorer s = new BatchScorer(m);
        List<ScoredRecord<Prediction>> out = s.score(rows(1, 2, 3));
        assertEquals(List.of(3), m.batchSizes);
        assertEquals(6.0, out.get(2).prediction().output("y").asDoubles()[0]);
    }

    @Test
    void indexedRejectionsAreSetAsideAndTheRestRescored() throws Exception {
        DoublingModel m = new DoublingModel(Rejection.WITH_INDEX);
        List<ScoredRecord<Prediction>> out = new BatchScorer(m).score(rows(1, -1, 2, -2, 3));
        assertEquals(List.of(5, 4, 3), m.batchSizes, "one call, then one more per bad record");
        assertInstanceOf(InvalidInputException.class, out.get(1).error());
        assertInstanceOf(InvalidInputException.class, out.get(3).error());
        assertEquals(2.0, out.get(0).prediction().output("y").asDoubles()[0]);
        assertEquals(6.0, out.get(4).prediction().output("y").asDoubles()[0]);
        assertNull(out.get(2).error());
    }

    @Test
    void unindexedOrUnexpectedErrorsFallBackToOneByOne() throws Exception {
        for (Rejection r : new Rejection[] {Rejection.WITHOUT_INDEX, Rejection.RUNTIME}) {
            DoublingModel m = new DoublingModel(r);
            List<ScoredRecord<Prediction>> out = new BatchScorer(m).score(rows(1, -1, 2));
            assertEquals(List.of(3, 1, 1, 1), m.batchSizes, r.name());
            assertEquals(4.0, out.get(2).prediction().output("y").asDoubles()[0]);
            assertEquals(r == Rejection.RUNTIME ? IllegalStateException.class : InvalidInputException.class,
                    out.get(1).error().getClass());
        }
    }

    @Test
    void modelFailureStopsAndAnAllFailingBatchIsAModelFailure() {
        assertThrows(ModelFailureException.class, () -> new BatchScorer(new DoublingModel(Rejection.MODEL_DOWN)).score(rows(1, 2)));
        assertThrows(ModelFailureException.class, () -> new BatchScorer(new DoublingModel(Rejection.RUNTIME)).score(rows(-1, -2)));
    }

    @Test
    void aModelThatCannotAnswerNowEndsTheWholeBatchAtOnceNeverRecordByRecord() {
        List<Integer> calls = new ArrayList<>();
        DoublingModel answers = new DoublingModel(Rejection.WITHOUT_INDEX);
        Model notNow = new io.inferstream.model.ForwardingModel(answers) {
            @Override
            public List<Prediction> predict(List<Features> batch) throws InferenceException {
                calls.add(batch.size());
                if (calls.size() > 1) { // after the first call, which names no record, the scorer goes one by one
                    throw new io.inferstream.model.RetriableInferenceException("timeout", null);
                }
                return super.predict(batch);
            }
        };
        assertThrows(io.inferstream.model.RetriableInferenceException.class,
                () -> new BatchScorer(notNow).score(rows(1, -1, 2)));
        assertEquals(List.of(3, 1), calls, "the first single-record call that cannot be answered ends it");
        calls.clear();
        Model alwaysNotNow = new io.inferstream.model.ForwardingModel(answers) {
            @Override
            public List<Prediction> predict(List<Features> batch) throws InferenceException {
                calls.add(batch.size());
                throw new io.inferstream.model.RetriableInferenceException("503", null);
            }
        };
        assertThrows(io.inferstream.model.RetriableInferenceException.class,
                () -> new BatchScorer(alwaysNotNow).score(rows(1, 2, 3)));
        assertEquals(List.of(3), calls, "one call: no record is suspected");
    }
}
