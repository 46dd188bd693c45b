package io.inferstream.flink.sql;

import io.inferstream.codec.PredictionJson;
import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.functions.TableFunction;
import org.apache.flink.table.types.inference.InputTypeStrategies;
import org.apache.flink.table.types.inference.TypeInference;
import org.apache.flink.table.types.inference.TypeStrategies;
import org.apache.flink.types.Row;

/**
 * A table function of one model whose columns are the model's own outputs, e.g. for a network with output
 * {@code probabilities float[4]}: {@code FRAUD(features...)} → {@code (probabilities ARRAY<DOUBLE>, label STRING,
 * error STRING)}. A numeric output of shape {@code []} is a DOUBLE, any other a flattened ARRAY&lt;DOUBLE&gt;; strings
 * and booleans likewise. {@code label} is a classifier's label; a rejected row gives one row whose output columns
 * are NULL and whose {@code error} is the stage and reason. The columns are read from the model when the function
 * is registered ({@link InferenceFunctions#registerOutputColumns}); a later version with other outputs gives NULL in
 * the columns it lacks.
 *
 * <p>Thread safety: Flink calls an instance from one task thread.
 */
public final class OutputColumnsFunction extends TableFunction<Row> {
    private static final long serialVersionUID = 1L;

    private final SqlModels models;
    private final String model;
    private final List<Column> columns;

    /** One output column: its name and how its values are typed. */
    static final class Column implements Serializable {
        private static final long serialVersionUID = 1L;
        final String name;
        final DataType type;
        final boolean scalar;

        Column(FieldSpec output) {
            this.name = output.name();
            this.type = output.type();
            this.scalar = output.isScalar();
        }

        org.apache.flink.table.types.DataType sqlType() {
            org.apache.flink.table.types.DataType element = type.isNumeric() ? DataTypes.DOUBLE()
                    : type == DataType.BOOL ? DataTypes.BOOLEAN() : DataTypes.STRING();
            return scalar ? element : DataTypes.ARRAY(element);
        }

        Object value(List<Object> values) {
            if (values == null) {
                return null;
            }
            if (scalar) {
                return values.isEmpty() ? null : sqlValue(values.get(0));
            }
            Object[] array = type.isNumeric() ? new Double[values.size()]
                    : type == DataType.BOOL ? new Boolean[values.size()] : new String[values.size()];
            for (int i = 0; i < array.length; i++) {
                array[i] = sqlValue(values.get(i));
            }
            return array;
        }

        private Object sqlValue(Object v) {
            if (v == null || type.isNumeric() || type == DataType.BOOL) {
                return v;
            }
            return v.toString();
        }
    }

    OutputColumnsFunction(SqlModels models, String model, List<FieldSpec> outputs) {
        this.models = models;
        this.model = model;
        this.columns = new ArrayList<>();
        outputs.forEach(o -> columns.add(new Column(o)));
    }

    @Override
    public TypeInference getTypeInference(DataTypeFactory typeFactory) {
        List<DataTypes.Field> fields = new ArrayList<>();
        for (Column c : columns) {
            fields.add(DataTypes.FIELD(c.name, c.sqlType()));
        }
        fields.add(DataTypes.FIELD("label", DataTypes.STRING()));
        fields.add(DataTypes.FIELD("error", DataTypes.STRING()));
        return TypeInference.newBuilder()
                .inputTypeStrategy(InputTypeStrategies.WILDCARD)
                .outputTypeStrategy(TypeStrategies.explicit(DataTypes.ROW(fields.toArray(new DataTypes.Field[0]))))
                .build();
    }

    /** Emits one row: the outputs, the label and the error (see the class comment). */
    public void eval(Object... features) throws Exception {
        SqlModels.Scored scored = models.score(model, features);
        Row row = new Row(columns.size() + 2);
        PredictionJson p = scored.prediction;
        if (p == null) {
            row.setField(columns.size() + 1, scored.rejection);
        } else {
            for (int i = 0; i < columns.size(); i++) {
                row.setField(i, columns.get(i).value(p.outputs().get(columns.get(i).name)));
            }
            row.setField(columns.size(), p.label());
        }
        collect(row);
    }

    @Override
    public void close() {
        models.close();
    }
}
