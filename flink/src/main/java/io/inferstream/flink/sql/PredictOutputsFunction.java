package io.inferstream.flink.sql;

import io.inferstream.codec.PredictionJson;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.annotation.InputGroup;
import org.apache.flink.table.functions.TableFunction;
import org.apache.flink.types.Row;

/**
 * {@code PREDICT_OUTPUTS(model_name, features...)}: every output value of one row's prediction, one row each:
 * {@code (output STRING, idx INT, num DOUBLE, text STRING)}, with {@code idx} the position in the output's row-major
 * values, numbers in {@code num} and strings or booleans in {@code text}. A classifier adds a {@code label} row and one
 * {@code probability} row per class ({@code text} the class). A rejected row gives one {@code _error} row whose
 * {@code text} is the stage and reason, so nothing disappears silently:
 * <pre>{@code SELECT e.k, o.output, o.idx, o.num
 * FROM events AS e, LATERAL TABLE(PREDICT_OUTPUTS('fraud', e.payload)) AS o}</pre>
 *
 * <p>Thread safety: Flink calls an instance from one task thread.
 */
@FunctionHint(output = @DataTypeHint("ROW<output STRING, idx INT, num DOUBLE, text STRING>"))
public final class PredictOutputsFunction extends TableFunction<Row> {
    private static final long serialVersionUID = 1L;
    private final SqlModels models;

    PredictOutputsFunction(SqlModels models) {
        this.models = models;
    }

    /** Emits the rows described above. */
    public void eval(String model, @DataTypeHint(inputGroup = InputGroup.ANY) Object... features) throws Exception {
        SqlModels.Scored scored = models.score(model, features);
        if (scored.prediction == null) {
            collect(Row.of("_error", 0, null, scored.rejection));
            return;
        }
        PredictionJson p = scored.prediction;
        for (Map.Entry<String, List<Object>> output : p.outputs().entrySet()) {
            List<Object> values = output.getValue();
            for (int i = 0; i < values.size(); i++) {
                Object v = values.get(i);
                collect(v instanceof Double ? Row.of(output.getKey(), i, v, null)
                        : Row.of(output.getKey(), i, null, v == null ? null : v.toString()));
            }
        }
        if (p.label() != null) {
            collect(Row.of("label", 0, null, p.label()));
        }
        int i = 0;
        for (Map.Entry<String, Double> c : p.probabilities().entrySet()) {
            collect(Row.of("probability", i++, c.getValue(), c.getKey()));
        }
    }

    @Override
    public void close() {
        models.close();
    }
}
