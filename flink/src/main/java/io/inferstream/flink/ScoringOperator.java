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
 * <p>A batch that cannot be scored now ({@link RetriableInferenceException}: a remote model unreachable, or the schema
 * registry down while a record's schema is needed) is held and scored again in place, with exponential backoff
 * ({@link InferenceOptions#retryAttempts()} attempts from {@link InferenceOptions#retryInitialBackoff()} up to
 * {@link InferenceOptions#retryMaxBackoff()} apart), as the engine holds a batch: nothing of it is dead-lettered, and
 * the hold is logged once when it starts and once when it ends. The task thread waits meanwhile (no checkpoint can
 * pass a held batch, which is what keeps the barrier behind every output). A model that cannot score at all, or still
 * cannot answer after the last attempt, fails the task: Flink then restarts it from the last checkpoint, whose
 * barrier came after every output of the records before it, so nothing is lost or repeated in a transactional sink.
 * For remote models that are often slow, {@link FlinkInference#scoreAsync} keeps the task thread free while it waits.
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
        LOGGER.info("Subtask {} scores with {}", subtask(),
                deployments.peek().map(d -> d.describe()).orElse("?"));
    }

    @Override
    protected void process(List<InferenceInput> batch, List<Long> timestamps) throws Exception {
        List<InferenceOutput> scored = scoreHoldingWhileUnavailable(batch);
        for (int i = 0; i < scored.size(); i++) {
            InferenceOutput out = scored.get(i);
            if (out.deadLetter) {
                output.collect(FlinkInference.DEAD_LETTERS, record(out, timestamps.get(i)));
            } else {
                output.collect(record(out, timestamps.get(i)));
            }
        }
    }

    /**
     * Scores the batch, holding it and trying again with backoff while it cannot be scored now.
     *
     * @throws ModelFailureException if the model cannot score at all, or still cannot answer after the last attempt
     * @throws InterruptedException if the task is cancelled while it waits
     */
    private List<InferenceOutput> scoreHoldingWhileUnavailable(List<InferenceInput> batch) throws Exception {
        long heldSince = 0;
        for (int attempt = 1; ; attempt++) {
            try {
                List<InferenceOutput> scored = scorer.score(batch);
                if (attempt > 1) {
                    LOGGER.info("Subtask {}: the held batch of {} records is scored after {} attempts ({} ms); "
                            + "going on", subtask(), batch.size(), attempt, (System.nanoTime() - heldSince) / 1_000_000);
                }
                return scored;
            } catch (RetriableInferenceException e) {
                if (attempt == 1) {
                    heldSince = System.nanoTime();
                    LOGGER.warn("Subtask {}: a batch of {} records cannot be scored now ({}); holding it and trying "
                            + "again up to {} times with backoff from {} ms up to {} ms", subtask(), batch.size(),
                            e.getMessage(), options.retryAttempts() - 1, options.retryInitialBackoff().toMillis(),
                            options.retryMaxBackoff().toMillis());
                }
                if (attempt >= options.retryAttempts()) {
                    throw new ModelFailureException("a batch of " + batch.size() + " records could not be scored in "
                            + attempt + " attempts over " + (System.nanoTime() - heldSince) / 1_000_000 + " ms; the "
                            + "job restarts from its last checkpoint: " + e.getMessage(), e);
                }
                Thread.sleep(backoffMillis(attempt, e));
            }
        }
    }

    /** @return the wait after failed attempt {@code attempt}: doubling from the initial backoff, capped, or a retry-after */
    private long backoffMillis(int attempt, RetriableInferenceException e) {
        long max = options.retryMaxBackoff().toMillis();
        long step = options.retryInitialBackoff().toMillis() << Math.min(attempt - 1, 30);
        long asked = e.retryAfter().map(java.time.Duration::toMillis).orElse(0L);
        return Math.max(1, Math.min(max, Math.max(step, asked)));
    }

    private int subtask() {
        return getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
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
