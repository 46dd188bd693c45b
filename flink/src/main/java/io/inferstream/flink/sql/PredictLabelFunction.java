package io.inferstream.flink.sql;

import io.inferstream.codec.PredictionJson;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.InputGroup;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code PREDICT_LABEL(model_name, features...)}: a classifier's predicted label, a STRING; NULL for a model that gives
 * no label or a row it rejects (the reason is logged).
 *
 * <p>Thread safety: Flink calls an instance from one task thread.
 */
public final class PredictLabelFunction extends ScalarFunction {
    private static final long serialVersionUID = 1L;
    private final SqlModels models;

    PredictLabelFunction(SqlModels models) {
        this.models = models;
    }

    /** @return the label, or null. */
    public @DataTypeHint("STRING") String eval(String model, @DataTypeHint(inputGroup = InputGroup.ANY) Object... features)
            throws Exception {
        PredictionJson p = models.score(model, features).prediction;
        return p == null ? null : p.label();
    }

    @Override
    public void close() {
        models.close();
    }
}
