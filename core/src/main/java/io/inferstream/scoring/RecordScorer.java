package io.inferstream.scoring;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.codec.MalformedRecordException;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.codec.SchemaUnavailableException;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decodes and scores a batch of raw record values: the engine's work on one poll, minus Kafka. Every value ends
 * as a {@link ScoredRecord}: a prediction (its output is the {@link Prediction} itself: this class does not encode),
 * or the stage and reason it was rejected. The engine and the offline
 * {@code inferstream score} command both use it, so both treat bad input the same way.
 *
 * <p>Thread safety: not thread-safe (it counts model calls); use one per thread. The model must be usable from
 * the calling thread.
 */
public final class RecordScorer {
    private final RecordDecoder decoder;
    private final JsonRecordDecoder fields;
    private final BatchScorer scorer;
    private final int maxBatchSize;
    private final int maxRecordBytes;

    /**
     * @param model the model to score with
     * @param decoder turns values into rows for that model
     * @param maxBatchSize most rows per model call
     * @param maxRecordBytes larger values are rejected undecoded
     */
    public RecordScorer(Model model, RecordDecoder decoder, int maxBatchSize, int maxRecordBytes) {
        this(model, decoder, null, maxBatchSize, maxRecordBytes);
    }

    /** @param fields decodes records of named values for that model ({@link #scoreFieldsOrRetryLater}), or null */
    RecordScorer(Model model, RecordDecoder decoder, JsonRecordDecoder fields, int maxBatchSize, int maxRecordBytes) {
        this.decoder = decoder;
        this.fields = fields;
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
    public List<ScoredRecord<Prediction>> score(List<byte[]> values) throws ModelFailureException {
        try {
            return scoreOrRetryLater(values);
        } catch (RetriableInferenceException e) {
            throw new ModelFailureException("the model could not answer now: " + e.getMessage(), e);
        }
    }

    /**
     * Like {@link #score}, for a caller that can hold the batch and offer it again (the Kafka engine).
     *
     * @throws RetriableInferenceException if the model could not answer now, or a record's schema could not be
     *     fetched now ({@link SchemaUnavailableException}): no record of the batch has an outcome (none is
     *     rejected); score the same values again later
     */
    public List<ScoredRecord<Prediction>> scoreOrRetryLater(List<byte[]> values)
            throws ModelFailureException, RetriableInferenceException {
        return scoreOrRetryLater(values, this::decode);
    }

    private Features decode(byte[] value) throws InvalidInputException {
        if (value == null) {
            throw new MalformedRecordException("record value is null");
        }
        if (value.length > maxRecordBytes) {
            throw new MalformedRecordException("record value has " + value.length + " bytes, more than "
                    + "input.max.record.bytes=" + maxRecordBytes);
        }
        return decoder.decode(value);
    }

    /**
     * Like {@link #scoreOrRetryLater(List)}, for records that are named values rather than bytes (a SQL row's
     * columns), decoded by the JSON decoder's rules ({@link JsonRecordDecoder#decode(Map)}): the same coercions,
     * the same messages, the same stages, with no JSON text in between.
     *
     * @param records field name to value per record, null allowed (rejected at stage decode)
     */
    List<ScoredRecord<Prediction>> scoreFieldsOrRetryLater(List<? extends Map<String, ?>> records)
            throws ModelFailureException, RetriableInferenceException {
        if (fields == null) {
            throw new IllegalStateException("this scorer was made without a decoder for named values");
        }
        return scoreOrRetryLater(records, record -> {
            if (record == null) {
                throw new MalformedRecordException("record value is null");
            }
            return fields.decode(record);
        });
    }

    /** Turns one record, whatever its form, into a row. */
    @FunctionalInterface
    private interface Decoding<V> {
        Features decode(V record) throws InvalidInputException;
    }

    private <V> List<ScoredRecord<Prediction>> scoreOrRetryLater(List<? extends V> values, Decoding<V> decoding)
            throws ModelFailureException, RetriableInferenceException {
        @SuppressWarnings("unchecked")
        ScoredRecord<Prediction>[] results = new ScoredRecord[values.size()];
        List<Integer> decodedIndex = new ArrayList<>(values.size());
        List<Features> rows = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            try {
                rows.add(decoding.decode(values.get(i)));
                decodedIndex.add(i);
            } catch (SchemaUnavailableException e) {
                // Not this record's fault: no record of the batch gets an outcome, the caller tries them all later.
                throw new RetriableInferenceException(e.getMessage(), e);
            } catch (MalformedRecordException e) {
                results[i] = ScoredRecord.rejected(i, null, DeadLetterHeaders.STAGE_DECODE, e);
            } catch (InvalidInputException e) {
                results[i] = ScoredRecord.rejected(i, null, DeadLetterHeaders.STAGE_VALIDATE, e);
            }
        }
        for (int from = 0; from < rows.size(); from += maxBatchSize) {
            int to = Math.min(rows.size(), from + maxBatchSize);
            List<ScoredRecord<Prediction>> outcomes = scorer.score(rows.subList(from, to));
            for (int j = 0; j < outcomes.size(); j++) {
                int i = decodedIndex.get(from + j);
                results[i] = outcomes.get(j).as(i, null, outcomes.get(j).prediction());
            }
        }
        return List.of(results);
    }

    /** @return model calls made since the last call of this method. */
    public int modelCallsAndReset() {
        return scorer.callsAndReset();
    }
}
