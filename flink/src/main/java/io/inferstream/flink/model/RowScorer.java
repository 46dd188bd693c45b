package io.inferstream.flink.model;

import io.inferstream.codec.PredictionJson;
import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.scoring.ScoringPipeline;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.table.data.RowData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores {@code ML_PREDICT} rows with the engine's {@link ScoringPipeline}: rows become records ({@link RowRecords}:
 * named values, or the record's bytes), the pipeline decodes, routes and predicts them against the current deployment snapshot (so a hot swap takes
 * effect at the next batch), and each outcome becomes the output rows of its input row ({@link PredictionRows}),
 * or is handled by the model's {@link RowErrorStrategy}.
 *
 * <p>Thread safety: {@link #record} is called from one thread (the task's) and {@link #score} from one thread (the
 * task's, or the async function's scoring thread); the counters may be read from any thread.
 */
final class RowScorer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RowScorer.class);

    private final ModelSpec spec;
    private final DeploymentManager deployments;
    private final ScoringPipeline<PredictionJson> pipeline;
    private final RowRecords records;
    private final PredictionRows predictions;
    private final Map<String, List<String>> concatenations;
    private final AtomicLong rejectedRows = new AtomicLong();
    private final AtomicLong modelCalls = new AtomicLong();

    /**
     * Loads the model and checks the INPUT/OUTPUT columns against it.
     *
     * @throws ModelLoadException if the model does not load
     * @throws IllegalArgumentException if the columns do not fit the model
     */
    RowScorer(ModelSpec spec) throws ModelLoadException {
        this.spec = spec;
        EngineConfig config = spec.options().config();
        this.concatenations = config.inputConcatenations();
        this.records = new RowRecords(spec.inputColumns(), spec.inputTypes());
        this.predictions = new PredictionRows(spec.outputColumns(), spec.outputTypes(),
                spec.options().errors() == RowErrorStrategy.OUTPUT ? spec.options().errorColumn() : null);
        this.deployments = spec.options().startDeployments(1);
        try {
            this.pipeline = new ScoringPipeline<>(0, config.getInt(EngineConfig.MAX_BATCH_SIZE),
                    config.getInt(EngineConfig.INPUT_MAX_RECORD_BYTES), deployments.traffic(), PredictionJson::of)
                    .decodingFields(concatenations, config.getBoolean(EngineConfig.INPUT_ALLOW_NAN));
            predictions.layOut(serving(deployments.peek().orElseThrow()));
        } catch (RuntimeException e) {
            deployments.close();
            throw e;
        }
    }

    /**
     * @return the record the pipeline reads for this row, laid out for the serving version (a row is laid out when
     *     it arrives; a hot swap to a model with other input names between this and {@link #score} can make its
     *     batch be rejected at decode, per the error strategy)
     * @throws IllegalArgumentException if the INPUT columns fit no layout for the model
     */
    RowRecords.RowRecord record(RowData row) {
        return records.record(row, serving(deployments.peek().orElseThrow()), concatenations);
    }

    /**
     * @param rows records made by {@link #record}
     * @return per record, in order, its output rows: one, or none for a row rejected under
     *     {@link RowErrorStrategy#IGNORE}
     * @throws ModelFailureException if the model cannot score at all, or a row is rejected under
     *     {@link RowErrorStrategy#FAILOVER}
     */
    List<Collection<RowData>> score(List<RowRecords.RowRecord> rows) throws ModelFailureException {
        Deployment deployment = deployments.acquire();
        List<ScoredRecord<PredictionJson>> outcomes;
        try {
            outcomes = outcomes(deployment, rows);
        } finally {
            deployment.release();
        }
        modelCalls.addAndGet(pipeline.modelCallsAndReset());
        List<Collection<RowData>> out = new ArrayList<>(rows.size());
        for (ScoredRecord<PredictionJson> outcome : outcomes) {
            if (outcome.ok()) {
                out.add(List.of(predictions.row(outcome.output(), outcome.version().info())));
            } else {
                out.add(rejected(outcome.stage() + ": " + outcome.error().getMessage()));
            }
        }
        return out;
    }

    /**
     * Scores named values and record bytes each as they are; both only in a batch that spans a hot swap which
     * changed the layout, scored then as two batches whose outcomes go back into the rows' order.
     */
    private List<ScoredRecord<PredictionJson>> outcomes(Deployment deployment, List<RowRecords.RowRecord> rows)
            throws ModelFailureException {
        List<Map<String, Object>> fields = new ArrayList<>(rows.size());
        List<byte[]> bytes = new ArrayList<>();
        for (RowRecords.RowRecord row : rows) {
            if (row.isBytes()) {
                bytes.add(row.bytes);
            } else {
                fields.add(row.fields);
            }
        }
        if (bytes.isEmpty()) {
            return pipeline.scoreFields(deployment, Collections.nCopies(fields.size(), null), fields).outcomes();
        }
        if (fields.isEmpty()) {
            return pipeline.score(deployment, Collections.nCopies(bytes.size(), null), bytes).outcomes();
        }
        Iterator<ScoredRecord<PredictionJson>> fromFields =
                pipeline.scoreFields(deployment, Collections.nCopies(fields.size(), null), fields).outcomes().iterator();
        Iterator<ScoredRecord<PredictionJson>> fromBytes =
                pipeline.score(deployment, Collections.nCopies(bytes.size(), null), bytes).outcomes().iterator();
        List<ScoredRecord<PredictionJson>> out = new ArrayList<>(rows.size());
        for (RowRecords.RowRecord row : rows) {
            out.add(row.isBytes() ? fromBytes.next() : fromFields.next());
        }
        return out;
    }

    private Collection<RowData> rejected(String reason) throws ModelFailureException {
        switch (spec.options().errors()) {
            case FAILOVER:
                throw new ModelFailureException("model " + spec.name() + " rejected a row (" + reason + "); the "
                        + "model's option '" + RowErrorStrategy.OPTION + "' = 'failover' fails the job on a rejected "
                        + "row: choose 'output' to keep such rows with the reason, or 'ignore' to skip them");
            case IGNORE:
                rejectedRows.incrementAndGet();
                LOG.warn("Model {} rejected a row, which gives no prediction ({} = ignore): {}", spec.name(),
                        RowErrorStrategy.OPTION, reason);
                return List.of();
            default:
                rejectedRows.incrementAndGet();
                return List.of(predictions.rejected(reason));
        }
    }

    private static ModelInfo serving(Deployment deployment) {
        return deployment.serving().get(0).info();
    }

    /** @return rows rejected so far (under IGNORE or OUTPUT), for the function's metric. */
    long rejectedRows() {
        return rejectedRows.get();
    }

    /** @return model calls made so far, for the function's metric: rows / calls is the batching achieved. */
    long modelCalls() {
        return modelCalls.get();
    }

    @Override
    public void close() {
        deployments.close();
    }
}
