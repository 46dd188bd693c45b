package io.inferstream.flink;

import io.inferstream.deploy.DeployedVersion;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.ScoringPipeline;
import io.inferstream.engine.DeadLetterHeaders;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores one batch of {@link InferenceInput}s on the current deployment and turns every outcome into an
 * {@link InferenceOutput} in input order: a prediction with the model's headers, or a dead letter with the same
 * headers the engine writes. Shared by the batching operator and the async function, so both treat bad input alike.
 *
 * <p>Thread safety: not thread-safe; one per scoring thread (it owns a {@link ScoringPipeline}).
 */
final class ScoredOutputs {
    private final DeploymentManager deployments;
    private final ScoringPipeline pipeline;

    ScoredOutputs(DeploymentManager deployments, int slot, InferenceOptions options) {
        this.deployments = deployments;
        this.pipeline = new ScoringPipeline(slot, options.maxBatchSize(), options.maxRecordBytes(),
                deployments.traffic());
    }

    /**
     * @throws ModelFailureException if the model cannot score at all: nothing of the batch is emitted
     * @throws RetriableInferenceException if the model could not answer now: score the same batch again later
     */
    List<InferenceOutput> score(List<InferenceInput> batch) throws ModelFailureException, RetriableInferenceException {
        List<byte[]> keys = new ArrayList<>(batch.size());
        List<byte[]> values = new ArrayList<>(batch.size());
        for (InferenceInput in : batch) {
            keys.add(in.key);
            values.add(in.value);
        }
        // One snapshot for the whole batch; released once scored, so a retired version closes after this batch.
        Deployment deployment = deployments.acquire();
        ScoringPipeline.Result scored;
        try {
            scored = pipeline.scoreOrRetryLater(deployment, keys, values);
        } finally {
            deployment.release();
        }
        pipeline.modelCallsAndReset();
        List<InferenceOutput> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            InferenceInput in = batch.get(i);
            ScoringPipeline.Outcome outcome = scored.outcomes().get(i);
            out.add(outcome.ok()
                    ? new InferenceOutput(in.key, outcome.prediction(), modelHeaders(in, outcome.version()), false)
                    : new InferenceOutput(in.key, in.value, deadLetterHeaders(in, outcome), true));
        }
        return out;
    }

    /** Predictions keep the input's headers (tracing, etc.) and say which model version scored them. */
    private static Map<String, byte[]> modelHeaders(InferenceInput in, DeployedVersion version) {
        Map<String, byte[]> headers = new LinkedHashMap<>(in.headers);
        headers.put(DeadLetterHeaders.MODEL_NAME, version.nameHeader());
        headers.put(DeadLetterHeaders.MODEL_VERSION, version.versionHeader());
        return headers;
    }

    /** The same headers the engine writes on a dead letter, after the record's own. */
    private static Map<String, byte[]> deadLetterHeaders(InferenceInput in, ScoringPipeline.Outcome outcome) {
        Map<String, byte[]> headers = new LinkedHashMap<>(in.headers);
        if (in.topic != null) {
            headers.put(DeadLetterHeaders.TOPIC, utf8(in.topic));
            headers.put(DeadLetterHeaders.PARTITION, utf8(Integer.toString(in.partition)));
            headers.put(DeadLetterHeaders.OFFSET, utf8(Long.toString(in.offset)));
        }
        headers.put(DeadLetterHeaders.STAGE, utf8(outcome.stage()));
        headers.put(DeadLetterHeaders.ERROR_CLASS, utf8(outcome.error().getClass().getName()));
        headers.put(DeadLetterHeaders.ERROR_MESSAGE, utf8(String.valueOf(outcome.error().getMessage())));
        headers.put(DeadLetterHeaders.MODEL_NAME, outcome.version().nameHeader());
        headers.put(DeadLetterHeaders.MODEL_VERSION, outcome.version().versionHeader());
        return headers;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
