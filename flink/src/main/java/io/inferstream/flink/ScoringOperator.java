package io.inferstream.flink;

import io.inferstream.deploy.DeploymentManager;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores micro-batches in the task thread: predictions go to the main output in input order, dead letters to
 * {@link FlinkInference#DEAD_LETTERS}. Each subtask loads its own model in {@link #open()} and follows its
 * {@link ModelDeployment} (hot swap) until {@link #close()}.
 *
 * <p>A model that cannot score at all, or cannot answer now, fails the task: Flink then restarts it from the last
 * checkpoint, whose barrier came after every output of the records before it, so nothing is lost or repeated in a
 * transactional sink. For remote models that may answer "later", use {@link FlinkInference#scoreAsync}, which retries.
 *
 * <p>Thread safety: Flink calls it from its task's thread only.
 */
final class ScoringOperator extends MicroBatchOperator<InferenceInput, InferenceOutput> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = LoggerFactory.getLogger(ScoringOperator.class);

    private final ModelDeployment deployment;
    private transient DeploymentManager deployments;
    private transient ScoredOutputs scorer;

    ScoringOperator(ModelDeployment deployment, InferenceOptions options) {
        super(options);
        this.deployment = deployment;
    }

    @Override
    public void open() throws Exception {
        super.open();
        deployments = deployment.start(options, 1);
        scorer = new ScoredOutputs(deployments, 0, options);
        LOGGER.info("Subtask {} scores with {}", getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                deployments.peek().map(d -> d.describe()).orElse("?"));
    }

    @Override
    protected void process(List<InferenceInput> batch, List<Long> timestamps) throws Exception {
        List<InferenceOutput> scored;
        try {
            scored = scorer.score(batch);
        } catch (RetriableInferenceException e) {
            throw new ModelFailureException("the model could not answer a batch of " + batch.size() + " records now; "
                    + "the job restarts from its last checkpoint (use FlinkInference.scoreAsync to retry in place): "
                    + e.getMessage(), e);
        }
        for (int i = 0; i < scored.size(); i++) {
            InferenceOutput out = scored.get(i);
            if (out.deadLetter) {
                output.collect(FlinkInference.DEAD_LETTERS, record(out, timestamps.get(i)));
            } else {
                output.collect(record(out, timestamps.get(i)));
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            if (deployments != null) {
                deployments.close();
            }
        }
    }
}
