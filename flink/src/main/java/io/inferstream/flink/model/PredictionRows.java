package io.inferstream.flink.model;

import io.inferstream.codec.PredictionJson;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * Fills the model's OUTPUT columns from a prediction. A column is, by name (case-insensitive):
 * <ul>
 *   <li>one of the model's outputs: its value; a scalar column takes an output of one value, an ARRAY column every
 *       value in row-major order;</li>
 *   <li>{@code label}: a classifier's predicted label; {@code probability}: that label's probability;
 *       {@code probabilities}: a {@code MAP<STRING, DOUBLE>} of every class (a MAP column of that name is always
 *       this, even when a model output has the name too);</li>
 *   <li>{@code model_name}, {@code model_version}: who scored the row (they change with a hot swap);</li>
 *   <li>the error column under {@link RowErrorStrategy#OUTPUT}: NULL, or the reason a row was rejected;</li>
 *   <li>when the model has one output that no column names, the one remaining column takes it.</li>
 * </ul>
 *
 * <p>Thread safety: not thread-safe (it caches the layout of the last model seen); one per function instance.
 */
final class PredictionRows {
    private enum Kind { OUTPUT, LABEL, PROBABILITY, PROBABILITIES, MODEL_NAME, MODEL_VERSION, ERROR }

    private final List<String> columns;
    private final List<LogicalType> types;
    private final String errorColumn;
    private ModelInfo laidOutFor;
    private Kind[] kinds;
    private String[] outputs;

    /** @param errorColumn the error column's name, or null when rejected rows give no output row */
    PredictionRows(List<String> columns, List<LogicalType> types, String errorColumn) {
        this.columns = List.copyOf(columns);
        this.types = List.copyOf(types);
        this.errorColumn = errorColumn;
    }

    /**
     * @throws IllegalArgumentException if a column is none of the above (the model's outputs are named), or an
     *     output's values do not fit its column
     */
    RowData row(PredictionJson p, ModelInfo model) {
        layOut(model);
        GenericRowData row = new GenericRowData(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            row.setField(i, value(i, p));
        }
        return row;
    }

    /** @return a row of NULLs but for the error column, which holds {@code reason}. */
    RowData rejected(String reason) {
        GenericRowData row = new GenericRowData(columns.size());
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).equalsIgnoreCase(errorColumn)) {
                row.setField(i, StringData.fromString(reason));
            }
        }
        return row;
    }

    /** Checks the columns against a model, so that a mismatch fails when the function opens, not on a row. */
    void layOut(ModelInfo model) {
        if (model == laidOutFor) {
            return;
        }
        Map<String, String> byLowerName = new HashMap<>();
        model.outputs().forEach(o -> byLowerName.put(o.name().toLowerCase(Locale.ROOT), o.name()));
        Kind[] k = new Kind[columns.size()];
        String[] o = new String[columns.size()];
        List<Integer> unnamed = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            String lower = columns.get(i).toLowerCase(Locale.ROOT);
            if (lower.equals("probabilities") && types.get(i).getTypeRoot() == LogicalTypeRoot.MAP) {
                // A MAP column is the class map even when the model names an output "probabilities" (the vector).
                k[i] = Kind.PROBABILITIES;
            } else if (byLowerName.containsKey(lower)) {
                k[i] = Kind.OUTPUT;
                o[i] = byLowerName.get(lower);
            } else if (errorColumn != null && columns.get(i).equalsIgnoreCase(errorColumn)) {
                k[i] = Kind.ERROR;
            } else {
                k[i] = special(lower);
                if (k[i] == null) {
                    unnamed.add(i);
                }
            }
        }
        if (unnamed.size() == 1 && model.outputs().size() == 1
                && !java.util.Arrays.asList(o).contains(model.outputs().get(0).name())) {
            k[unnamed.get(0)] = Kind.OUTPUT;
            o[unnamed.get(0)] = model.outputs().get(0).name();
        } else if (!unnamed.isEmpty()) {
            throw new IllegalArgumentException("OUTPUT column " + columns.get(unnamed.get(0)) + " is none of model "
                    + model.name() + " version " + model.version() + "'s outputs "
                    + model.outputs().stream().map(FieldSpec::name).toList()
                    + " nor label, probability, probabilities, model_name, model_version"
                    + (errorColumn == null ? "" : ", " + errorColumn));
        }
        kinds = k;
        outputs = o;
        laidOutFor = model;
    }

    private static Kind special(String lowerName) {
        switch (lowerName) {
            case "label": return Kind.LABEL;
            case "probability": return Kind.PROBABILITY;
            case "probabilities": return Kind.PROBABILITIES;
            case "model_name": return Kind.MODEL_NAME;
            case "model_version": return Kind.MODEL_VERSION;
            default: return null;
        }
    }

    private Object value(int i, PredictionJson p) {
        LogicalType type = types.get(i);
        switch (kinds[i]) {
            case LABEL:
                return p.label() == null ? null : StringData.fromString(p.label());
            case PROBABILITY: {
                Double d = p.label() == null ? null : p.probabilities().get(p.label());
                return d == null ? null : scalar(type, d);
            }
            case PROBABILITIES: {
                Map<StringData, Object> map = new HashMap<>();
                p.probabilities().forEach((label, d) -> map.put(StringData.fromString(label), d));
                return p.probabilities().isEmpty() ? null : new GenericMapData(map);
            }
            case MODEL_NAME:
                return StringData.fromString(p.model());
            case MODEL_VERSION:
                return p.version() == null ? null : StringData.fromString(p.version());
            case ERROR:
                return null;
            default:
                return output(columns.get(i), type, p.outputs().get(outputs[i]));
        }
    }

    private static Object output(String column, LogicalType type, List<Object> values) {
        if (values == null) {
            return null;
        }
        if (type.getTypeRoot() == LogicalTypeRoot.ARRAY) {
            LogicalType element = ((ArrayType) type).getElementType();
            Object[] out = new Object[values.size()];
            for (int j = 0; j < out.length; j++) {
                out[j] = values.get(j) == null ? null : scalar(element, values.get(j));
            }
            return new GenericArrayData(out);
        }
        if (values.size() != 1) {
            throw new IllegalArgumentException("OUTPUT column " + column + " is a scalar but the model's output has "
                    + values.size() + " values: declare it ARRAY<...>");
        }
        return values.get(0) == null ? null : scalar(type, values.get(0));
    }

    /** Converts a prediction value (Double, Boolean or String, see PredictionJson) to the column's internal type. */
    private static Object scalar(LogicalType type, Object v) {
        switch (type.getTypeRoot()) {
            case DOUBLE: return ((Number) v).doubleValue();
            case FLOAT: return ((Number) v).floatValue();
            case BIGINT: return ((Number) v).longValue();
            case INTEGER: return ((Number) v).intValue();
            case SMALLINT: return ((Number) v).shortValue();
            case TINYINT: return ((Number) v).byteValue();
            case BOOLEAN: return v instanceof Boolean ? v : ((Number) v).doubleValue() != 0;
            case DECIMAL: {
                DecimalType d = (DecimalType) type;
                return DecimalData.fromBigDecimal(new BigDecimal(v.toString()), d.getPrecision(), d.getScale());
            }
            case CHAR:
            case VARCHAR: return StringData.fromString(v instanceof Double && ((Double) v) == Math.rint((Double) v)
                    && !Double.isInfinite((Double) v) ? String.valueOf(((Double) v).longValue()) : v.toString());
            default:
                throw new IllegalArgumentException("OUTPUT column type " + type + " is not supported; use DOUBLE, "
                        + "FLOAT, BIGINT, INT, BOOLEAN, DECIMAL, STRING or an ARRAY of those");
        }
    }
}
