package io.inferstream.model.tabular;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * A tabular model's features in the model's order, and how a batch of records becomes the dense, row-major matrix
 * a booster predicts on ({@code float[]} or {@code double[]}, one row per record).
 *
 * <p>Two layouts: one scalar field per feature (the model's own names), or one vector field holding every feature in
 * order. An absent feature (or JSON {@code null}) is missing: NaN, which a tree sends down each split's learnt
 * default branch, as XGBoost and LightGBM do for the NaN of a pandas frame. A categorical feature takes the
 * category's integer code.
 *
 * <p>Rejected per record, naming the record's index and the field: text where a number belongs, a vector of the wrong
 * length, an infinite value (or one beyond float32 for a float matrix: the booster would refuse the whole batch), a
 * fraction for a categorical feature (a booster would silently truncate it), and a record holding none of the model's
 * features (a producer writing another schema, which scoring as "all missing" would hide).
 *
 * <p>Thread safety: immutable; each call writes only into the array it returns.
 */
public final class FeatureColumns {
    private final String modelName;
    private final String[] names;
    private final boolean[] categorical;
    private final String vector;
    private final String vectorOption;
    private final List<FieldSpec> specs;

    private FeatureColumns(String modelName, String[] names, boolean[] categorical, String vector, String vectorOption,
            List<FieldSpec> specs) {
        this.modelName = modelName;
        this.names = names;
        this.categorical = categorical;
        this.vector = vector;
        this.vectorOption = vectorOption;
        this.specs = specs;
    }

    /**
     * @param modelName the model's name, for messages
     * @param featureNames the features' names, in the model's order
     * @param categorical which features are categorical, or null for none
     * @param valueType the matrix's element type ({@link DataType#FLOAT} or {@link DataType#DOUBLE}), declared for
     *     each numeric input
     * @param vector the name of the one vector input holding every feature, or null for one field per feature
     * @param vectorOption the loader option that sets {@code vector}, named in messages
     */
    public static FeatureColumns of(String modelName, List<String> featureNames, boolean[] categorical,
            DataType valueType, String vector, String vectorOption) {
        if (valueType != DataType.FLOAT && valueType != DataType.DOUBLE) {
            throw new IllegalArgumentException("a feature matrix holds float32 or float64, not " + valueType);
        }
        String[] names = featureNames.toArray(new String[0]);
        boolean[] cat = categorical == null ? new boolean[names.length] : categorical.clone();
        if (cat.length != names.length) {
            throw new IllegalArgumentException(cat.length + " categorical flags for " + names.length + " features");
        }
        List<FieldSpec> specs = new ArrayList<>();
        if (vector != null) {
            specs.add(FieldSpec.tensor(vector, valueType, names.length));
        } else {
            for (int j = 0; j < names.length; j++) {
                specs.add(FieldSpec.scalar(names[j], cat[j] ? DataType.INT64 : valueType));
            }
        }
        return new FeatureColumns(modelName, names, cat, vector, vectorOption, List.copyOf(specs));
    }

    /** @return the inputs as {@code inspect} shows them. */
    public List<FieldSpec> specs() {
        return specs;
    }

    /** @return the number of features: the width of one matrix row. */
    public int width() {
        return names.length;
    }

    /**
     * @return the batch as a {@code batch.size() × width()} row-major float32 matrix, NaN for missing values
     * @throws InvalidInputException naming the first bad record's index, its field and the problem
     */
    public float[] floats(List<Features> batch) throws InvalidInputException {
        float[] out = new float[Math.multiplyExact(batch.size(), names.length)];
        double[] row = new double[names.length];
        for (int i = 0; i < batch.size(); i++) {
            read(batch.get(i), i, row, true);
            for (int j = 0; j < row.length; j++) {
                out[i * row.length + j] = (float) row[j];
            }
        }
        return out;
    }

    /**
     * @return the batch as a {@code batch.size() × width()} row-major float64 matrix, NaN for missing values
     * @throws InvalidInputException naming the first bad record's index, its field and the problem
     */
    public double[] doubles(List<Features> batch) throws InvalidInputException {
        double[] out = new double[Math.multiplyExact(batch.size(), names.length)];
        double[] row = new double[names.length];
        for (int i = 0; i < batch.size(); i++) {
            read(batch.get(i), i, row, false);
            System.arraycopy(row, 0, out, i * row.length, row.length);
        }
        return out;
    }

    private void read(Features record, int index, double[] row, boolean float32) throws InvalidInputException {
        if (vector != null) {
            Tensor t = record.get(vector);
            if (t == null) {
                throw invalid(index, vector, "missing (the model takes its " + names.length + " features as one "
                        + "vector, option " + vectorOption + ")");
            }
            if (t.size() != names.length) {
                throw invalid(index, vector, "expected " + names.length + " values (features " + preview() + "), got "
                        + t.size());
            }
            for (int j = 0; j < names.length; j++) {
                row[j] = number(t, j, j, index, vector, float32);
            }
            return;
        }
        boolean any = false;
        for (int j = 0; j < names.length; j++) {
            Tensor t = record.get(names[j]);
            if (t == null) {
                row[j] = Double.NaN;
                continue;
            }
            any = true;
            if (t.size() != 1) {
                throw invalid(index, names[j], "expected one number, got " + t.size() + " values");
            }
            row[j] = number(t, 0, j, index, names[j], float32);
        }
        if (!any && names.length > 0) {
            throw invalid(index, null, "none of the model's " + names.length + " features is in the record (expected "
                    + "fields " + preview() + "; a missing feature is left out or null)");
        }
    }

    private double number(Tensor t, int i, int feature, int index, String field, boolean float32)
            throws InvalidInputException {
        DataType type = t.type();
        if (!type.isNumeric() && type != DataType.BOOL) {
            throw invalid(index, field, "expected a number, got " + type.displayName()
                    + (type == DataType.STRING ? " '" + t.asStrings()[i] + "'" : ""));
        }
        double d = t.getDouble(i);
        if (Double.isInfinite(d) || (float32 && !Double.isNaN(d) && Math.abs(d) > Float.MAX_VALUE)) {
            throw invalid(index, field, "value " + d + " is not finite" + (float32 ? " in float32 (the model's input "
                    + "type)" : "") + "; a missing value is left out, null or NaN");
        }
        if (categorical[feature] && !Double.isNaN(d) && d != Math.rint(d)) {
            throw invalid(index, field, "categorical feature '" + names[feature] + "' takes an integer category code, "
                    + "not " + d);
        }
        return d;
    }

    private String preview() {
        int shown = Math.min(names.length, 8);
        String head = String.join(", ", List.of(names).subList(0, shown));
        return names.length > shown ? head + ", ... " + names.length + " in all" : head;
    }

    private InvalidInputException invalid(int index, String field, String message) {
        return new InvalidInputException(index, field, message + " [model " + modelName + "]");
    }
}
