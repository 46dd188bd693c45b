package io.inferstream.engine;

import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import io.inferstream.scoring.ScoredBatch;
import io.inferstream.scoring.ScoringPipeline;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One attempt at scoring a worker's batch, the same for both kinds of worker: on one deployment snapshot, taken for
 * this attempt and released before the worker waits (so a retired version closes, and a swap made during an outage
 * applies to the next attempt), counting the model calls, the shadow failures and, when the model could not answer
 * now, the retry. What a worker does between attempts is its own: a consumer-group worker pauses its partitions and
 * holds the batch, a share-group worker releases it for redelivery once half the record lock has passed.
 *
 * <p>Thread safety: stateless; call it from the worker thread that owns the pipeline.
 *
 * @param scored the scored batch, or null if the model could not answer now
 * @param notNow why the model could not answer now, or null if it did
 * @param modelName the serving model's name, for the worker's log lines
 */
record ScoringAttempt(ScoredBatch<byte[]> scored, RetriableInferenceException notNow, String modelName) {

    /**
     * @throws ModelFailureException if the model cannot score at all
     */
    static ScoringAttempt make(DeploymentManager deployments, ScoringPipeline<byte[]> pipeline, EngineMetrics metrics,
            List<ConsumerRecord<byte[], byte[]>> batch) throws ModelFailureException {
        Deployment deployment = deployments.acquire();
        String modelName = deployment.serving().get(0).info().name();
        try {
            ScoredBatch<byte[]> scored = pipeline.scoreOrRetryLater(deployment, batch, ConsumerRecord::key,
                    ConsumerRecord::value);
            metrics.countModelCalls(pipeline.modelCallsAndReset());
            metrics.countShadowFailures(modelName, scored.shadowFailures());
            return new ScoringAttempt(scored, null, modelName);
        } catch (RetriableInferenceException e) {
            metrics.countModelCalls(pipeline.modelCallsAndReset());
            metrics.countRetry(modelName);
            return new ScoringAttempt(null, e, modelName);
        } finally {
            deployment.release();
        }
    }

    /** @return true if the model answered: {@link #scored()} holds the batch's outcomes. */
    boolean answered() {
        return scored != null;
    }
}
