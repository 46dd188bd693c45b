package io.inferstream.scoring;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one rule by which a bad record fails only its own group while the rest are scored together, in as few model
 * calls as possible. A group is one record for the engine and the stream hosts (a record is dead-lettered alone), one
 * request for {@code serve} (a client's bad record fails that client's request, never another's).
 *
 * <p>Every group goes to the model in one call. If the model rejects a record and names it
 * ({@link InvalidInputException} with its index), that record's group is set aside and the rest is scored again. If it
 * cannot say which record, or fails in an unexpected way, each group is scored alone to find out. Only when every
 * group then fails unexpectedly (not with an {@link InvalidInputException}) is the failure taken to be the model's
 * ({@link ModelFailureException}): it cannot be told from a record's, and failing safe loses nothing. A
 * {@link ModelFailureException} or a {@link RetriableInferenceException} says nothing about any record: it ends the
 * scoring of every group at once.
 *
 * <p>Thread safety: stateless; the call must be usable from the calling thread.
 */
public final class BadRecordIsolation {
    private BadRecordIsolation() {
    }

    /** One model call on some rows: the model's {@code predict}, or a host's wrapper around it. */
    @FunctionalInterface
    public interface ModelCall {
        /** @return one prediction per row, in order */
        List<Prediction> predict(List<Features> rows) throws InferenceException;
    }

    /** The rows of one successful model call: which groups it answered together. */
    public static final class Answer {
        private final int groups;
        private final int rows;

        private Answer(int groups, int rows) {
            this.groups = groups;
            this.rows = rows;
        }

        /** @return how many groups this call scored together */
        public int groups() {
            return groups;
        }

        /** @return how many rows this call scored */
        public int rows() {
            return rows;
        }
    }

    /**
     * What became of one group: its predictions, or the failure that rejected it.
     *
     * <p>Thread safety: immutable.
     */
    public static final class GroupOutcome {
        private final List<Prediction> predictions;
        private final Answer answer;
        private final Exception rejection;
        private final int rejectedRecord;

        private GroupOutcome(List<Prediction> predictions, Answer answer, Exception rejection, int rejectedRecord) {
            this.predictions = predictions;
            this.answer = answer;
            this.rejection = rejection;
            this.rejectedRecord = rejectedRecord;
        }

        /** @return true if the group was scored */
        public boolean ok() {
            return rejection == null;
        }

        /** @return the group's predictions, one per row in order; null if rejected */
        public List<Prediction> predictions() {
            return predictions;
        }

        /** @return the call that scored the group (shared by the groups it scored together); null if rejected */
        public Answer answer() {
            return answer;
        }

        /** @return why the group was rejected; null if scored */
        public Exception rejection() {
            return rejection;
        }

        /** @return the index within the group of the record the model named, or -1 if it named none */
        public int rejectedRecord() {
            return rejectedRecord;
        }
    }

    /**
     * @param groups the groups of rows, none empty
     * @param call the model call; a call that returns another number of predictions than rows is the model's failure
     * @param modelName for the failure's message
     * @return one outcome per group, in order
     * @throws ModelFailureException if the model cannot score at all
     * @throws RetriableInferenceException if the model could not answer now; no group has an outcome
     */
    public static List<GroupOutcome> score(List<List<Features>> groups, ModelCall call, String modelName)
            throws ModelFailureException, RetriableInferenceException {
        return score(new Groups() {
            @Override
            public int count() {
                return groups.size();
            }

            @Override
            public int size(int g) {
                return groups.get(g).size();
            }

            @Override
            public void addRows(int g, List<Features> into) {
                into.addAll(groups.get(g));
            }

            @Override
            public List<Features> rows(int g) {
                return groups.get(g);
            }
        }, call, modelName);
    }

    /**
     * The same rule with every row a group of its own (a record is dead-lettered alone), without wrapping each row
     * in a list of one on the way: the engine's hot path calls this once per batch.
     *
     * @param rows the rows, each its own group
     * @return one outcome per row, in order
     */
    public static List<GroupOutcome> scoreEach(List<Features> rows, ModelCall call, String modelName)
            throws ModelFailureException, RetriableInferenceException {
        return score(new Groups() {
            @Override
            public int count() {
                return rows.size();
            }

            @Override
            public int size(int g) {
                return 1;
            }

            @Override
            public void addRows(int g, List<Features> into) {
                into.add(rows.get(g));
            }

            @Override
            public List<Features> rows(int g) {
                return List.of(rows.get(g)); // only when a group is scored alone, after a failed batch call
            }
        }, call, modelName);
    }

    /** The groups of one call of the rule, read without copying them. */
    private interface Groups {
        int count();

        int size(int g);

        void addRows(int g, List<Features> into);

        List<Features> rows(int g);
    }

    private static List<GroupOutcome> score(Groups groups, ModelCall call, String modelName)
            throws ModelFailureException, RetriableInferenceException {
        GroupOutcome[] outcomes = new GroupOutcome[groups.count()];
        List<Integer> live = new ArrayList<>(groups.count());
        for (int g = 0; g < groups.count(); g++) {
            live.add(g);
        }
        while (!live.isEmpty()) {
            List<Features> rows = new ArrayList<>(live.size());
            for (int g : live) {
                groups.addRows(g, rows);
            }
            try {
                List<Prediction> predictions = checked(call, rows, modelName);
                Answer answer = new Answer(live.size(), rows.size());
                int offset = 0;
                for (int g : live) {
                    int size = groups.size(g);
                    outcomes[g] = new GroupOutcome(predictions.subList(offset, offset + size), answer, null, -1);
                    offset += size;
                }
                break;
            } catch (InvalidInputException e) {
                int bad = e.recordIndex();
                if (bad >= 0 && bad < rows.size()) {
                    int offset = 0;
                    for (int j = 0; j < live.size(); j++) {
                        int g = live.get(j);
                        int size = groups.size(g);
                        if (bad < offset + size) {
                            outcomes[g] = new GroupOutcome(null, null, e, bad - offset);
                            live.remove(j);
                            break;
                        }
                        offset += size;
                    }
                    continue;
                }
                scoreAlone(groups, live, outcomes, call, modelName, e);
                break;
            } catch (ModelFailureException | RetriableInferenceException e) {
                throw e;
            } catch (InferenceException | RuntimeException e) {
                scoreAlone(groups, live, outcomes, call, modelName, e);
                break;
            }
        }
        return List.of(outcomes);
    }

    private static List<Prediction> checked(ModelCall call, List<Features> rows, String modelName)
            throws InferenceException {
        List<Prediction> predictions = call.predict(rows);
        if (predictions == null || predictions.size() != rows.size()) {
            throw new ModelFailureException("model " + modelName + " returned "
                    + (predictions == null ? "null" : predictions.size() + " predictions") + " for " + rows.size()
                    + " records");
        }
        return predictions;
    }

    private static void scoreAlone(Groups groups, List<Integer> live, GroupOutcome[] outcomes,
            ModelCall call, String modelName, Exception batchError)
            throws ModelFailureException, RetriableInferenceException {
        int failures = 0;
        Exception last = batchError;
        for (int g : live) {
            List<Features> rows = groups.rows(g);
            try {
                outcomes[g] = new GroupOutcome(checked(call, rows, modelName), new Answer(1, rows.size()), null, -1);
            } catch (ModelFailureException | RetriableInferenceException e) {
                throw e;
            } catch (InferenceException | RuntimeException e) {
                int bad = e instanceof InvalidInputException ? ((InvalidInputException) e).recordIndex() : -1;
                outcomes[g] = new GroupOutcome(null, null, e, bad >= 0 && bad < rows.size() ? bad : -1);
                failures++;
                last = e;
            }
        }
        boolean allFailedUnexpectedly = failures == live.size() && !(last instanceof InvalidInputException);
        if (allFailedUnexpectedly && live.size() > 1) {
            throw new ModelFailureException("model " + modelName + " failed on every record of a batch: " + last,
                    last);
        }
        if (allFailedUnexpectedly) {
            // A batch of one that fails unexpectedly: we cannot tell the record from the model. Failing safe
            // (stop, commit nothing) loses nothing; the alternative could dead-letter a whole stream.
            throw new ModelFailureException("model " + modelName + " failed: " + last, last);
        }
    }
}
