package io.inferstream.flink;

import io.inferstream.deploy.DeploymentManager;
import io.inferstream.model.RetriableInferenceException;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Scores whole micro-batches off the task thread, for {@code AsyncDataStream.orderedWait}: the task thread keeps
 * reading and checkpointing while a remote model answers. Each batch completes with its outputs (predictions and
 * dead letters, in input order); a model that cannot answer now completes it with the
 * {@link RetriableInferenceException}, which the retry strategy of {@link FlinkInference#scoreAsync} retries with
 * backoff. In-flight batches are part of the async operator's checkpoint, so none is lost on a restart.
 *
 * <p>Thread safety: Flink calls {@link #asyncInvoke} from the task thread; scoring runs on
 * {@link InferenceOptions#asyncConcurrency()} threads of this subtask, each with its own pipeline and model slot.
 */
final class AsyncScoringFunction extends RichAsyncFunction<List<InferenceInput>, InferenceOutput> {
    private static final long serialVersionUID = 1L;

    private final ModelDeployment deployment;
    private final InferenceOptions options;
    private transient DeploymentManager deployments;
    private transient ExecutorService scorers;
    private transient ThreadLocal<ScoredOutputs> scorer;

    AsyncScoringFunction(ModelDeployment deployment, InferenceOptions options) {
        this.deployment = deployment;
        this.options = options;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        int threads = options.asyncConcurrency();
        deployments = deployment.start(options, threads);
        AtomicInteger slots = new AtomicInteger();
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        scorers = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "inferstream-async-" + subtask + "-" + slots.get());
            t.setDaemon(true);
            return t;
        });
        // A thread's slot picks its own instance of a model that is not thread-safe.
        scorer = ThreadLocal.withInitial(() -> new ScoredOutputs(deployments, slots.getAndIncrement() % threads, options));
    }

    @Override
    public void asyncInvoke(List<InferenceInput> batch, ResultFuture<InferenceOutput> result) {
        try {
            scorers.execute(() -> {
                try {
                    result.complete(scorer.get().score(batch));
                } catch (Exception | Error e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
    }

    @Override
    public void close() throws Exception {
        if (scorers != null) {
            scorers.shutdownNow();
            scorers.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (deployments != null) {
            deployments.close();
        }
    }
}
