package io.inferstream.flink.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
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
 * Turns an {@code ML_PREDICT} row (the columns of the model's INPUT schema) into the record the engine's decoder
 * reads, so that a SQL row is decoded, coerced and validated exactly like a Kafka record. The layout follows the
 * INPUT schema against the model's inputs:
 * <ul>
 *   <li><b>named</b>: every column names a model input (case-insensitive) or the engine joins it into one
 *       ({@code input.concat.<input>}): a JSON object of those names, arrays as JSON arrays;</li>
 *   <li><b>vector</b>: the model has one input that no column names: every column, scalars and arrays, flattened in
 *       order into that input (e.g. {@code INPUT (f0 FLOAT, f1 FLOAT, ...)} into a {@code [N, k]} tensor);</li>
 *   <li><b>record</b>: one STRING or BYTES column that is not a model input: the value is the record itself, as a
 *       Kafka value would be (JSON, CSV or float32 as {@code input.codec} says).</li>
 * </ul>
 *
 * <p>Thread safety: not thread-safe (it reuses one buffer); one per function instance.
 */
final class RowRecords {
    private static final JsonFactory JSON = new JsonFactory();

    private enum Layout { NAMED, VECTOR, RECORD }

    private final List<String> columns;
    private final List<LogicalType> types;
    private final List<RowData.FieldGetter> getters = new ArrayList<>();
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
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
    byte[] record(RowData row, ModelInfo model, Map<String, List<String>> concatenations) {
        if (model != laidOutFor) {
            layOut(model, concatenations);
            laidOutFor = model;
        }
        if (layout == Layout.RECORD) {
            Object v = getters.get(0).getFieldOrNull(row);
            return v == null ? null : v instanceof StringData ? ((StringData) v).toBytes() : (byte[]) v;
        }
        buffer.reset();
        try (JsonGenerator json = JSON.createGenerator(buffer)) {
            json.writeStartObject();
            if (layout == Layout.VECTOR) {
                json.writeFieldName(keys[0]);
                json.writeStartArray();
                for (int i = 0; i < columns.size(); i++) {
                    writeElements(json, types.get(i), getters.get(i).getFieldOrNull(row));
                }
                json.writeEndArray();
            } else {
                for (int i = 0; i < columns.size(); i++) {
                    json.writeFieldName(keys[i]);
                    write(json, types.get(i), getters.get(i).getFieldOrNull(row));
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // an in-memory stream: not expected
        }
        return buffer.toByteArray();
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

    private static void write(JsonGenerator json, LogicalType type, Object v) throws IOException {
        if (v == null) {
            json.writeNull();
        } else if (v instanceof ArrayData) {
            json.writeStartArray();
            writeElements(json, type, v);
            json.writeEndArray();
        } else {
            writeScalar(json, type, v);
        }
    }

    /** Writes a scalar, or an array's elements (nested arrays flattened: the decoder reshapes to the input's shape). */
    private static void writeElements(JsonGenerator json, LogicalType type, Object v) throws IOException {
        if (v instanceof ArrayData) {
            LogicalType element = ((ArrayType) type).getElementType();
            ArrayData array = (ArrayData) v;
            ArrayData.ElementGetter getter = ArrayData.createElementGetter(element);
            for (int i = 0; i < array.size(); i++) {
                writeElements(json, element, getter.getElementOrNull(array, i));
            }
        } else if (v == null) {
            json.writeNull();
        } else {
            writeScalar(json, type, v);
        }
    }

    private static void writeScalar(JsonGenerator json, LogicalType type, Object v) throws IOException {
        if (v instanceof Float) {
            // Float.toString gives the shortest decimal that reads back as this float: no widening noise.
            json.writeNumber(Float.toString((Float) v));
        } else if (v instanceof Double || v instanceof Long || v instanceof Integer || v instanceof Short
                || v instanceof Byte) {
            json.writeNumber(v.toString());
        } else if (v instanceof DecimalData) {
            json.writeNumber(((DecimalData) v).toBigDecimal());
        } else if (v instanceof Boolean) {
            json.writeBoolean((Boolean) v);
        } else if (v instanceof byte[]) {
            json.writeStartObject(); // TF Serving's convention for binary values
            json.writeStringField("b64", java.util.Base64.getEncoder().encodeToString((byte[]) v));
            json.writeEndObject();
        } else {
            json.writeString(v.toString());
        }
    }
}
