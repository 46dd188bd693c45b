package io.inferstream.flink.model;

import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * Turns an {@code ML_PREDICT} row (the columns of the model's INPUT schema) into the record the engine's scoring
 * pipeline reads, so that a SQL row is decoded, coerced and validated exactly like a Kafka record. The layout follows
 * the INPUT schema against the model's inputs:
 * <ul>
 *   <li><b>named</b>: every column names a model input (case-insensitive) or the engine joins it into one
 *       ({@code input.concat.<input>}): the columns' values under those names;</li>
 *   <li><b>vector</b>: the model has one input that no column names: every column, scalars and arrays, flattened in
 *       order into that input (e.g. {@code INPUT (f0 FLOAT, f1 FLOAT, ...)} into a {@code [N, k]} tensor);</li>
 *   <li><b>record</b>: one STRING or BYTES column that is not a model input: the value is the record itself, as a
 *       Kafka value would be (JSON, CSV or float32 as {@code input.codec} says).</li>
 * </ul>
 * Named and vector rows become named Java values, which the pipeline decodes by the JSON decoder's rules
 * ({@link io.inferstream.codec.JsonRecordDecoder#decode(Map)}) without writing or parsing any JSON: numbers stay
 * binary, an ARRAY of non-null FLOAT, DOUBLE, INT or BIGINT is handed on as a primitive array.
 *
 * <p>Thread safety: not thread-safe (it caches the layout of the last model seen); one per function instance.
 */
final class RowRecords {
    private enum Layout { NAMED, VECTOR, RECORD }

    /**
     * One row as the pipeline reads it: the record's bytes (the record layout), or its named values (the others).
     *
     * <p>Thread safety: immutable once made.
     */
    static final class RowRecord {
        final byte[] bytes;
        final Map<String, Object> fields;

        private RowRecord(byte[] bytes, Map<String, Object> fields) {
            this.bytes = bytes;
            this.fields = fields;
        }

        /** @return whether the row is record bytes, for the pipeline's {@code score}, rather than named values */
        boolean isBytes() {
            return fields == null;
        }
    }

    private final List<String> columns;
    private final List<LogicalType> types;
    private final List<RowData.FieldGetter> getters = new ArrayList<>();
    private ModelInfo laidOutFor;
    private Layout layout;
    private String[] keys;

    RowRecords(List<String> columns, List<LogicalType> types) {
        this.columns = List.copyOf(columns);
        this.types = List.copyOf(types);
        for (int i = 0; i < types.size(); i++) {
            getters.add(RowData.createFieldGetter(types.get(i), i));
        }
    }

    /**
     * @param model the serving version's signature (a hot swap may bring another: the layout follows it)
     * @param concatenations the engine's {@code input.concat.*}: input name to the fields joined into it
     * @throws IllegalArgumentException if the INPUT schema fits none of the layouts, naming the model's inputs
     */
    RowRecord record(RowData row, ModelInfo model, Map<String, List<String>> concatenations) {
        if (model != laidOutFor) {
            layOut(model, concatenations);
            laidOutFor = model;
        }
        if (layout == Layout.RECORD) {
            Object v = getters.get(0).getFieldOrNull(row);
            return new RowRecord(v == null ? null : v instanceof StringData ? ((StringData) v).toBytes() : (byte[]) v,
                    null);
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        if (layout == Layout.VECTOR) {
            // Nested and flat values alike: the decoder reads arrays depth-first into the one input's elements.
            Object[] elements = new Object[columns.size()];
            for (int i = 0; i < columns.size(); i++) {
                elements[i] = value(types.get(i), getters.get(i).getFieldOrNull(row));
            }
            fields.put(keys[0], elements);
        } else {
            for (int i = 0; i < columns.size(); i++) {
                fields.put(keys[i], value(types.get(i), getters.get(i).getFieldOrNull(row)));
            }
        }
        return new RowRecord(null, fields);
    }

    private void layOut(ModelInfo model, Map<String, List<String>> concatenations) {
        List<String> joined = new ArrayList<>();
        concatenations.values().forEach(joined::addAll);
        String[] named = new String[columns.size()];
        boolean allNamed = true;
        for (int i = 0; i < columns.size(); i++) {
            named[i] = inputNamed(model, columns.get(i));
            if (named[i] == null && joined.contains(columns.get(i))) {
                named[i] = columns.get(i);
            }
            allNamed &= named[i] != null;
        }
        LogicalTypeRoot first = types.get(0).getTypeRoot();
        if (allNamed) {
            for (int i = 0; i < named.length; i++) {
                int again = Arrays.asList(named).subList(0, i).indexOf(named[i]);
                if (again >= 0) {
                    // A record names each field once; which column was meant would be a guess.
                    throw new IllegalArgumentException("INPUT columns " + columns.get(again) + " and "
                            + columns.get(i) + " both name input '" + named[i] + "' of model " + model.name());
                }
            }
            layout = Layout.NAMED;
            keys = named;
        } else if (columns.size() == 1 && (types.get(0).is(LogicalTypeFamily.CHARACTER_STRING)
                || first == LogicalTypeRoot.VARBINARY || first == LogicalTypeRoot.BINARY)) {
            layout = Layout.RECORD;
        } else if (model.inputs().size() == 1) {
            layout = Layout.VECTOR;
            keys = new String[] {model.inputs().get(0).name()};
        } else {
            throw new IllegalArgumentException("the model's INPUT columns " + columns + " do not fit model "
                    + model.name() + " version " + model.version() + ", whose inputs are "
                    + model.inputs().stream().map(FieldSpec::name).toList() + ": name a column after each input, "
                    + "join columns into an input with the option 'input.concat.<input>' = 'col1,col2', or pass one "
                    + "STRING column holding the whole JSON record");
        }
    }

    private static String inputNamed(ModelInfo model, String column) {
        for (FieldSpec input : model.inputs()) {
            if (input.name().toLowerCase(Locale.ROOT).equals(column.toLowerCase(Locale.ROOT))) {
                return input.name();
            }
        }
        return null;
    }

    /**
     * @return Flink's internal value as the Java value the decoder reads: text as a String, DECIMAL as a BigDecimal,
     *     an ARRAY as an array, numbers, booleans and bytes as they are, anything else (a timestamp) as its text
     */
    private static Object value(LogicalType type, Object v) {
        if (v == null) {
            return null;
        } else if (v instanceof ArrayData) {
            return array((ArrayType) type, (ArrayData) v);
        } else if (v instanceof StringData) {
            return v.toString();
        } else if (v instanceof DecimalData) {
            return ((DecimalData) v).toBigDecimal();
        } else if (v instanceof Number || v instanceof Boolean || v instanceof byte[]) {
            return v;
        }
        return v.toString();
    }

    private static Object array(ArrayType type, ArrayData array) {
        LogicalType element = type.getElementType();
        if (!hasNull(array)) {
            switch (element.getTypeRoot()) {
                case FLOAT: return array.toFloatArray();
                case DOUBLE: return array.toDoubleArray();
                case INTEGER: return array.toIntArray();
                case BIGINT: return array.toLongArray();
                default: break;
            }
        }
        ArrayData.ElementGetter getter = ArrayData.createElementGetter(element);
        Object[] out = new Object[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = value(element, getter.getElementOrNull(array, i));
        }
        return out;
    }

    private static boolean hasNull(ArrayData array) {
        for (int i = 0; i < array.size(); i++) {
            if (array.isNullAt(i)) {
                return true;
            }
        }
        return false;
    }
}
