package io.inferstream.flink;

import io.inferstream.deploy.DeployedVersion;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import io.inferstream.scoring.DeadLetters;
import io.inferstream.scoring.HeaderField;
import io.inferstream.scoring.OutputHeaders;
import io.inferstream.scoring.ScoredBatch;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.scoring.ScoringPipeline;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores one batch of {@link InferenceInput}s on the current deployment and turns every outcome into an
 * {@link InferenceOutput} in input order: a prediction with the model's headers, or a dead letter built as the engine
 * builds it (cut to Kafka's default record limit, since a Flink sink's limit is not known here). Shared by the batching operator and the async function, so both treat bad input alike.
 *
 * <p>Thread safety: not thread-safe; one per scoring thread (it owns a {@link ScoringPipeline}).
 */
final class ScoredOutputs {
    private final DeploymentManager deployments;
    private final ScoringPipeline<byte[]> pipeline;
    private final DeadLetters deadLetters = new DeadLetters(DeadLetters.KAFKA_DEFAULT_MAX_BYTES);

    ScoredOutputs(DeploymentManager deployments, int slot, InferenceOptions options) {
        this.deployments = deployments;
        this.pipeline = ScoringPipeline.json(slot, options.maxBatchSize(), options.maxRecordBytes(),
                deployments.traffic());
    }

    /**
     * @throws ModelFailureException if the model cannot score at all: nothing of the batch is emitted
     * @throws RetriableInferenceException if the model could not answer now: score the same batch again later
     */
    List<InferenceOutput> score(List<InferenceInput> batch) throws ModelFailureException, RetriableInferenceException {
        // One snapshot for the whole batch; released once scored, so a retired version closes after this batch.
        Deployment deployment = deployments.acquire();
        ScoredBatch<byte[]> scored;
        try {
            scored = pipeline.scoreOrRetryLater(deployment, batch, in -> in.key, in -> in.value);
        } finally {
            deployment.release();
        }
        pipeline.modelCallsAndReset();
        List<InferenceOutput> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            InferenceInput in = batch.get(i);
            ScoredRecord<byte[]> outcome = scored.outcomes().get(i);
            out.add(outcome.ok()
                    ? new InferenceOutput(in.key, outcome.output(), predictionHeaders(in, outcome.version()), false)
                    : deadLetter(in, outcome));
        }
        return out;
    }

    /** A prediction's headers, by the shared policy: the input's, with the scoring model's name and version. */
    private static Map<String, byte[]> predictionHeaders(InferenceInput in, DeployedVersion version) {
        Map<String, byte[]> headers = new LinkedHashMap<>(in.headers);
        OutputHeaders.addModelHeaders(version, headers::put);
        return headers;
    }

    /** The dead letter every host writes ({@link DeadLetters}), as the output Flink's sinks take. */
    private InferenceOutput deadLetter(InferenceInput in, ScoredRecord<byte[]> outcome) {
        List<HeaderField> inputHeaders = new ArrayList<>(in.headers.size());
        in.headers.forEach((name, value) -> inputHeaders.add(new HeaderField(name, value)));
        DeadLetters.DeadLetter letter = deadLetters.of(in.topic == null ? null
                : new DeadLetters.Origin(in.topic, in.partition, in.offset), in.key, in.value, inputHeaders,
                outcome.stage(), outcome.error(), outcome.version().info());
        Map<String, byte[]> headers = new LinkedHashMap<>();
        letter.headers().forEach(h -> headers.put(h.name(), h.value()));
        return new InferenceOutput(letter.key(), letter.value(), headers, true);
    }
}
