package io.inferstream.flink.model;

import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.PredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.PredictRuntimeProvider;

/**
 * Both runtimes of one model: {@link RowPredictFunction} (one row per model call, on the task thread) and
 * {@link BatchingAsyncPredictFunction} (rows in flight answered together in one model call). The planner picks one;
 * {@code ML_PREDICT(..., MAP['async', 'true'])} asks for the async one.
 *
 * <p>Thread safety: immutable.
 */
final class InferstreamModelProvider implements PredictRuntimeProvider, AsyncPredictRuntimeProvider {
    private final ModelSpec spec;

    InferstreamModelProvider(ModelSpec spec) {
        this.spec = spec;
    }

    @Override
    public PredictFunction createPredictFunction(Context context) {
        return new RowPredictFunction(spec);
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        return new BatchingAsyncPredictFunction(spec);
    }

    @Override
    public InferstreamModelProvider copy() {
        return new InferstreamModelProvider(spec);
    }
}
