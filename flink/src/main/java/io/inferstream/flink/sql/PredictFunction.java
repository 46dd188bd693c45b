package io.inferstream.flink.sql;

import io.inferstream.codec.PredictionJson;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.InputGroup;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code PREDICT(model_name, features...)}: the primary score of one row, a DOUBLE: for a classifier, the probability
 * of its predicted label; otherwise the first value of the model's first output (a regression's score). NULL for a
 * row the model rejects (the reason is logged). Scores one row per model call: for throughput, use the DataStream
 * operator, which batches.
 *
 * <p>Thread safety: Flink calls an instance from one task thread.
 */
public final class PredictFunction extends ScalarFunction {
    private static final long serialVersionUID = 1L;
    private final SqlModels models;

    PredictFunction(SqlModels models) {
        this.models = models;
    }

    /** @return the primary score, or null if the row was rejected. */
    public @DataTypeHint("DOUBLE") Double eval(String model, @DataTypeHint(inputGroup = InputGroup.ANY) Object... features)
            throws Exception {
        PredictionJson p = models.score(model, features).prediction;
        return p == null ? null : primary(p);
    }

    static Double primary(PredictionJson p) {
        if (p.label() != null && p.probabilities().containsKey(p.label())) {
            return p.probabilities().get(p.label());
        }
        for (Map.Entry<String, List<Object>> output : p.outputs().entrySet()) {
            for (Object v : output.getValue()) {
                return v instanceof Double ? (Double) v : null;
            }
        }
        return null;
    }

    @Override
    public void close() {
        models.close();
    }
}
