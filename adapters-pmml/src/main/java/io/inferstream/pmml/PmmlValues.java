package io.inferstream.pmml;

import io.inferstream.data.DataType;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.dmg.pmml.OpType;
import org.dmg.pmml.ResultFeature;
import org.jpmml.evaluator.InputField;

/**
 * Converts between PMML's types and Inferstream's neutral ones: a field's declared type to a {@link FieldSpec},
 * a row's {@link Tensor} to the plain Java value JPMML prepares, and JPMML's results back to tensors.
 *
 * <p>Thread safety: stateless static helpers.
 */
final class PmmlValues {

    private PmmlValues() {
    }

    /**
     * The neutral type of a PMML data type. Temporal types travel as ISO text, which JPMML parses itself, so
     * that a record can say {@code "2024-05-01"} without knowing PMML's day-count encodings.
     */
    static DataType neutralType(org.dmg.pmml.DataType type) {
        if (type == null) {
            return DataType.STRING;
        }
        switch (type) {
            case INTEGER:
                return DataType.INT64;
            case FLOAT:
            case DOUBLE:
                return DataType.DOUBLE;
            case BOOLEAN:
                return DataType.BOOL;
            default:
                return DataType.STRING;
        }
    }

    /**
     * The type of an OutputField that does not declare one (PMML before 4.4 allowed that): what its feature implies,
     * so that a probability is still a number and not its text.
     *
     * @param targetType the type of the model's first target, for {@code predictedValue}; may be null
     */
    static DataType impliedType(ResultFeature feature, DataType targetType) {
        if (feature == null) {
            return targetType == null ? DataType.STRING : targetType;
        }
        switch (feature) {
            case PROBABILITY:
            case CONFIDENCE:
            case RESIDUAL:
            case STANDARD_ERROR:
            case STANDARD_DEVIATION:
            case AFFINITY:
            case CLUSTER_AFFINITY:
            case ENTITY_AFFINITY:
            case SUPPORT:
            case LIFT:
            case LEVERAGE:
            case CONFIDENCE_INTERVAL_LOWER:
            case CONFIDENCE_INTERVAL_UPPER:
                return DataType.DOUBLE;
            case PREDICTED_VALUE:
            case TRANSFORMED_VALUE:
                return targetType == null ? DataType.STRING : targetType;
            default:
                return DataType.STRING;
        }
    }

    /**
     * The signature entry of an input: a categorical or ordinal text field lists its valid values from the
     * DataDictionary as levels, so {@code inspect} shows a user what the model accepts.
     */
    static FieldSpec inputSpec(InputField field) {
        DataType type = neutralType(field.getDataType());
        OpType op = field.getOpType();
        if (type == DataType.STRING && (op == OpType.CATEGORICAL || op == OpType.ORDINAL)) {
            List<String> levels = new ArrayList<>();
            List<?> domain = field.getDiscreteDomain();
            if (domain != null) {
                domain.forEach(v -> levels.add(String.valueOf(v)));
            }
            return FieldSpec.categorical(field.getName(), levels);
        }
        return FieldSpec.scalar(field.getName(), type);
    }

    /**
     * The plain Java value of one record's field, for {@link InputField#prepare(Object)}; JPMML does the type
     * conversion and validity checks itself (a numeric field given {@code "abc"} fails there with its own message).
     *
     * @return null when the tensor is empty, i.e. missing
     * @throws IllegalArgumentException when the tensor holds more than one value
     */
    static Object toJava(Tensor value, org.dmg.pmml.DataType pmmlType) {
        if (value.size() != 1) {
            if (value.size() == 0) {
                return null;
            }
            throw new IllegalArgumentException("expected a single value, got " + value.size() + " ("
                    + value.type().displayName() + java.util.Arrays.toString(value.shape()) + ")");
        }
        Object v = value.get(0);
        if (v instanceof byte[]) {
            return new String((byte[]) v, StandardCharsets.UTF_8);
        }
        if (pmmlType == org.dmg.pmml.DataType.STRING && v instanceof Double) {
            // JSON gives every number to a text column as a double; a category spelled "1" must not arrive as "1.0".
            double d = (Double) v;
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                return (long) d;
            }
        }
        return v;
    }

    /**
     * One result value as a tensor of the declared type when it converts cleanly, else of its own type, so that
     * numbers stay numbers and text stays text.
     *
     * @return null for a missing value, or a value with no neutral form
     */
    static Tensor toTensor(Object value, DataType declared) {
        if (value == null) {
            return null;
        }
        if (value instanceof Collection) {
            return collectionToTensor((Collection<?>) value);
        }
        if (value instanceof Number) {
            Number n = (Number) value;
            if (declared == DataType.DOUBLE) {
                return Tensor.scalar(n.doubleValue());
            }
            if (declared == DataType.INT64 && isWhole(n)) {
                return Tensor.scalar(n.longValue());
            }
            if (declared == DataType.STRING) {
                return Tensor.scalar(String.valueOf(value));
            }
            return n instanceof Long || n instanceof Integer ? Tensor.scalar(n.longValue()) : Tensor.scalar(n.doubleValue());
        }
        if (value instanceof Boolean) {
            return declared == DataType.STRING ? Tensor.scalar(value.toString()) : Tensor.scalar((boolean) (Boolean) value);
        }
        return Tensor.scalar(String.valueOf(value));
    }

    private static boolean isWhole(Number n) {
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return true;
        }
        double d = n.doubleValue();
        return d == Math.rint(d) && Math.abs(d) < 9.0e18;
    }

    /** Lists (e.g. an output field of feature {@code entityId} over several segments) as a vector. */
    private static Tensor collectionToTensor(Collection<?> values) {
        boolean numeric = !values.isEmpty();
        for (Object o : values) {
            numeric &= o instanceof Number;
        }
        if (numeric) {
            double[] d = new double[values.size()];
            int i = 0;
            for (Object o : values) {
                d[i++] = ((Number) o).doubleValue();
            }
            return Tensor.ofDoubles(d);
        }
        String[] s = new String[values.size()];
        int i = 0;
        for (Object o : values) {
            s[i++] = String.valueOf(o);
        }
        return Tensor.ofStrings(s);
    }
}
