package io.inferstream.lightgbm;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import java.util.List;

/**
 * Writes {@link Features} rows into the dense, row-major {@code double[]} LightGBM predicts on, in the model's
 * feature order (doubles, so a value meets each split threshold exactly as in LightGBM's own double-precision path).
 *
 * <p>Missing values are NaN, as LightGBM reads them: an absent feature or JSON {@code null} is NaN, and each split
 * sends it where training learnt to (or treats it as zero, for splits trained with {@code zero_as_missing}).
 * Categorical features take the category's integer code, as LightGBM does; a negative code is LightGBM's "unseen"
 * and goes the way of categories not in a split. A fraction is rejected there: LightGBM would silently truncate it.
 *
 * <p>Rejected per record, naming the field: text where a number belongs, a fraction for a categorical feature, a
 * vector of the wrong length, an infinite value, and a record holding none of the model's features.
 *
 * <p>Thread safety: immutable; {@link #encode} writes only into the caller's array.
 */
final class LightGbmInputs {
    private final String modelName;
    private final String[] names;
    private final boolean[] categorical;
    private final String vector;
    private final List<FieldSpec> specs;

    private LightGbmInputs(String modelName, String[] names, boolean[] categorical, String vector, List<FieldSpec> specs) {
        this.modelName = modelName;
        this.names = names;
        this.categorical = categorical;
        this.vector = vector;
        this.specs = specs;
    }

    static LightGbmInputs of(String modelName, List<String> featureNames, boolean[] categorical, String vector) {
        String[] names = featureNames.toArray(new String[0]);
        if (vector != null) {
            return new LightGbmInputs(modelName, names, categorical, vector,
                    List.of(FieldSpec.tensor(vector, DataType.DOUBLE, names.length)));
        }
        FieldSpec[] specs = new FieldSpec[names.length];
        for (int j = 0; j < names.length; j++) {
            specs[j] = FieldSpec.scalar(names[j], categorical[j] ? DataType.INT64 : DataType.DOUBLE);
        }
        return new LightGbmInputs(modelName, names, categorical, null, List.of(specs));
    }

    List<FieldSpec> specs() {
        return specs;
    }

    int width() {
        return names.length;
    }

    /**
     * Writes row {@code recordIndex} of a batch into {@code buffer} from {@code offset} on.
     *
     * @throws InvalidInputException naming the field and the problem
     */
    void encode(Features row, int recordIndex, double[] buffer, int offset) throws InvalidInputException {
        if (vector != null) {
            Tensor t = row.get(vector);
            if (t == null) {
                throw invalid(recordIndex, vector, "missing (the model takes its " + names.length
                        + " features as one vector, option " + LightGbmOptions.INPUT_VECTOR + ")");
            }
            if (t.size() != names.length) {
                throw invalid(recordIndex, vector, "expected " + names.length + " values, got " + t.size());
            }
            for (int j = 0; j < names.length; j++) {
                buffer[offset + j] = number(t, j, j, recordIndex, vector);
            }
            return;
        }
        boolean any = false;
        for (int j = 0; j < names.length; j++) {
            Tensor t = row.get(names[j]);
            if (t == null) {
                buffer[offset + j] = Double.NaN;
                continue;
            }
            any = true;
            if (t.size() != 1) {
                throw invalid(recordIndex, names[j], "expected one number, got " + t.size() + " values");
            }
            buffer[offset + j] = number(t, 0, j, recordIndex, names[j]);
        }
        if (!any && names.length > 0) {
            throw invalid(recordIndex, null, "none of the model's " + names.length + " features is in the record "
                    + "(expected fields such as " + String.join(", ", List.of(names).subList(0, Math.min(8, names.length)))
                    + "; a missing feature is left out or null)");
        }
    }

    private double number(Tensor t, int i, int feature, int recordIndex, String field) throws InvalidInputException {
        DataType type = t.type();
        if (!type.isNumeric() && type != DataType.BOOL) {
            throw invalid(recordIndex, field, "expected a number, got " + type.displayName()
                    + (type == DataType.STRING ? " '" + t.asStrings()[i] + "'" : ""));
        }
        double d = t.getDouble(i);
        if (Double.isInfinite(d)) {
            throw invalid(recordIndex, field, "value " + d + " is not finite; a missing value is left out, null or NaN");
        }
        if (categorical[feature] && !Double.isNaN(d) && d != Math.rint(d)) {
            throw invalid(recordIndex, field, "categorical feature '" + names[feature] + "' takes an integer category"
                    + " code, not " + d);
        }
        return d;
    }

    private InvalidInputException invalid(int recordIndex, String field, String message) {
        return new InvalidInputException(recordIndex, field, message + " [model " + modelName + "]");
    }
}
