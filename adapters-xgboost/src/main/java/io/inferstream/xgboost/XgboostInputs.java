package io.inferstream.xgboost;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import java.util.List;

/**
 * Writes {@link Features} rows into the dense, row-major {@code float[]} that XGBoost's in-place prediction takes,
 * in the model's feature order. A feature that is absent (or JSON {@code null}) is missing: NaN, which XGBoost
 * sends down each split's learnt default branch, as it does for the NaN of a pandas frame.
 *
 * <p>Two layouts: one scalar field per feature (the model's own feature names, else XGBoost's {@code f0..f<n-1>}),
 * or, with the loader option {@value XgboostOptions#INPUT_VECTOR}, one vector field holding every feature in order.
 *
 * <p>Rejected per record, naming the field: text or a non-number where a number belongs, a vector of the wrong
 * length, an infinite value (XGBoost would refuse the whole batch), and a record with none of the model's fields
 * (a producer writing another schema, which scoring as "all missing" would hide).
 *
 * <p>Thread safety: immutable; {@link #encode} writes only into the caller's array.
 */
final class XgboostInputs {
    private final String modelName;
    private final String[] names;
    private final String vector;
    private final List<FieldSpec> specs;

    private XgboostInputs(String modelName, String[] names, String vector, List<FieldSpec> specs) {
        this.modelName = modelName;
        this.names = names;
        this.vector = vector;
        this.specs = specs;
    }

    /**
     * @param featureNames the model's feature names, in order (its own or {@code f0..})
     * @param vector the vector input's name, or null for one field per feature
     */
    static XgboostInputs of(String modelName, List<String> featureNames, String vector) {
        String[] names = featureNames.toArray(new String[0]);
        if (vector != null) {
            return new XgboostInputs(modelName, names, vector,
                    List.of(FieldSpec.tensor(vector, DataType.FLOAT, names.length)));
        }
        FieldSpec[] specs = new FieldSpec[names.length];
        for (int j = 0; j < names.length; j++) {
            specs[j] = FieldSpec.scalar(names[j], DataType.FLOAT);
        }
        return new XgboostInputs(modelName, names, null, List.of(specs));
    }

    List<FieldSpec> specs() {
        return specs;
    }

    /** @return the number of features, the width of one row in the buffer. */
    int width() {
        return names.length;
    }

    /**
     * Writes row {@code recordIndex} of a batch into {@code buffer} from {@code offset} on.
     *
     * @throws InvalidInputException naming the field and the problem
     */
    void encode(Features row, int recordIndex, float[] buffer, int offset) throws InvalidInputException {
        if (vector != null) {
            encodeVector(row, recordIndex, buffer, offset);
            return;
        }
        boolean any = false;
        for (int j = 0; j < names.length; j++) {
            Tensor t = row.get(names[j]);
            if (t == null) {
                buffer[offset + j] = Float.NaN;
                continue;
            }
            any = true;
            if (t.size() != 1) {
                throw invalid(recordIndex, names[j], "expected one number, got " + t.size() + " values");
            }
            buffer[offset + j] = number(t, 0, recordIndex, names[j]);
        }
        if (!any && names.length > 0) {
            throw invalid(recordIndex, null, "none of the model's " + names.length + " features is in the record "
                    + "(expected fields " + preview() + "; a missing feature is left out or null)");
        }
    }

    private void encodeVector(Features row, int recordIndex, float[] buffer, int offset) throws InvalidInputException {
        Tensor t = row.get(vector);
        if (t == null) {
            throw invalid(recordIndex, vector, "missing (the model takes its " + names.length + " features as one "
                    + "vector, option " + XgboostOptions.INPUT_VECTOR + ")");
        }
        if (t.size() != names.length) {
            throw invalid(recordIndex, vector, "expected " + names.length + " values (features " + preview()
                    + "), got " + t.size());
        }
        for (int j = 0; j < names.length; j++) {
            buffer[offset + j] = number(t, j, recordIndex, vector);
        }
    }

    private float number(Tensor t, int i, int recordIndex, String field) throws InvalidInputException {
        DataType type = t.type();
        if (!type.isNumeric() && type != DataType.BOOL) {
            throw invalid(recordIndex, field, "expected a number, got " + type.displayName()
                    + (type == DataType.STRING ? " '" + t.asStrings()[i] + "'" : ""));
        }
        double d = t.getDouble(i);
        if (Double.isInfinite(d) || (!Double.isNaN(d) && Math.abs(d) > Float.MAX_VALUE)) {
            throw invalid(recordIndex, field, "value " + d + " is not finite in float32 (XGBoost's input type); "
                    + "a missing value is left out, null or NaN");
        }
        return (float) d;
    }

    private String preview() {
        int shown = Math.min(names.length, 8);
        String head = String.join(", ", List.of(names).subList(0, shown));
        return names.length > shown ? head + ", ... " + names.length + " in all" : head;
    }

    private InvalidInputException invalid(int recordIndex, String field, String message) {
        return new InvalidInputException(recordIndex, field, message + " [model " + modelName + "]");
    }
}
