package io.inferstream.flink.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * The async {@code ML_PREDICT} runtime, which micro-batches: each row is turned into a record on the task thread and
 * queued; one scoring thread takes every queued row (up to {@code max.batch.size}) and scores them together in one
 * batched model call, then answers each row's future. Nothing waits for a batch to fill: while one batch is scored
 * the next rows queue up, so batches grow with the load and a lone row is scored at once. The rows in flight, and so
 * the largest batch, are bounded by ML_PREDICT's {@code 'max-concurrent-operations'} (Flink's default: 10): raise it
 * to batch more. The output order follows ML_PREDICT's {@code 'output-mode'} as for any async provider.
 * Metrics: {@code rejectedRows}, {@code modelCalls}.
 *
 * Public only because Flink's generated code refers to it; made by {@link InferstreamModelProviderFactory}.
 *
 * <p>Thread safety: Flink calls {@link #asyncPredict} from one task thread; the scoring thread is this class's own.
 */
public final class BatchingAsyncPredictFunction extends AsyncPredictFunction {
    private static final long serialVersionUID = 1L;
    private final ModelSpec spec;
    private transient RowScorer scorer;
    private transient BlockingQueue<Pending> queue;
    private transient Thread scoring;
    private transient volatile boolean running;
    private transient int maxBatchSize;

    /** A row waiting for its prediction. */
    private static final class Pending {
        final RowRecords.RowRecord record;
        final CompletableFuture<Collection<RowData>> answer = new CompletableFuture<>();

        Pending(RowRecords.RowRecord record) {
            this.record = record;
        }
    }

    BatchingAsyncPredictFunction(ModelSpec spec) {
        this.spec = spec;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        super.open(context);
        scorer = new RowScorer(spec);
        maxBatchSize = spec.options().maxBatchSize();
        queue = new LinkedBlockingQueue<>();
        running = true;
        scoring = new Thread(this::scoreQueuedRows, "inferstream-ml-predict-" + spec.name());
        scoring.setDaemon(true);
        scoring.start();
        context.getMetricGroup().gauge("rejectedRows", (Gauge<Long>) scorer::rejectedRows);
        context.getMetricGroup().gauge("modelCalls", (Gauge<Long>) scorer::modelCalls);
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData row) {
        Pending p;
        try {
            p = new Pending(scorer.record(row));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        queue.add(p);
        return p.answer;
    }

    private void scoreQueuedRows() {
        List<Pending> batch = new ArrayList<>();
        while (running) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatchSize - 1);
                List<RowRecords.RowRecord> records = new ArrayList<>(batch.size());
                batch.forEach(p -> records.add(p.record));
                List<Collection<RowData>> outputs;
                try {
                    outputs = scorer.score(records);
                } catch (Exception e) {
                    // The model cannot score (or a row failed under FAILOVER): every row of the batch fails, and
                    // with it the job, which restarts from its last checkpoint and offers these rows again.
                    FlinkRuntimeException failure = new FlinkRuntimeException(e.getMessage(), e);
                    batch.forEach(p -> p.answer.completeExceptionally(failure));
                    continue;
                }
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).answer.complete(outputs.get(i));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                batch.forEach(p -> p.answer.completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    @Override
    public void close() throws Exception {
        running = false;
        if (scoring != null) {
            scoring.interrupt();
            scoring.join(10_000);
            scoring = null;
        }
        if (queue != null) {
            FlinkRuntimeException closed = new FlinkRuntimeException("the ML_PREDICT function was closed");
            queue.forEach(p -> p.answer.completeExceptionally(closed));
        }
        if (scorer != null) {
            scorer.close();
            scorer = null;
        }
        super.close();
    }
}
