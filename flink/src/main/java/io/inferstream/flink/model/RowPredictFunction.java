package io.inferstream.flink.model;

import java.util.Collection;
import java.util.List;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * The synchronous {@code ML_PREDICT} runtime: each row is scored when it arrives, one model call per row, on the
 * task thread. Simple and ordered; for throughput on models with a per-call cost, ask for the async runtime, which
 * batches ({@link BatchingAsyncPredictFunction}). Metrics: {@code rejectedRows}, {@code modelCalls}.
 *
 * Public only because Flink's generated code refers to it; made by {@link InferstreamModelProviderFactory}.
 *
 * <p>Thread safety: Flink calls an instance from one task thread.
 */
public final class RowPredictFunction extends PredictFunction {
    private static final long serialVersionUID = 1L;
    private final ModelSpec spec;
    private transient RowScorer scorer;

    RowPredictFunction(ModelSpec spec) {
        this.spec = spec;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        super.open(context);
        scorer = new RowScorer(spec);
        context.getMetricGroup().gauge("rejectedRows", (Gauge<Long>) scorer::rejectedRows);
        context.getMetricGroup().gauge("modelCalls", (Gauge<Long>) scorer::modelCalls);
    }

    @Override
    public Collection<RowData> predict(RowData row) {
        try {
            return scorer.score(List.of(scorer.record(row))).get(0);
        } catch (Exception e) {
            throw new FlinkRuntimeException(e.getMessage(), e);
        }
    }

    @Override
    public void close() throws Exception {
        if (scorer != null) {
            scorer.close();
            scorer = null;
        }
        super.close();
    }
}
