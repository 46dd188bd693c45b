package io.inferstream.h2o;

import hex.genmodel.CategoricalEncoding;
import hex.genmodel.GenModel;
import hex.genmodel.easy.CategoricalEncoder;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Turns a {@link Features} row into the raw {@code double[]} a MOJO's {@code score0} takes: numeric columns as
 * their value, categorical columns as their level's index in the column's domain, missing values as NaN.
 *
 * <p>The column layout and the categorical encoders are genmodel's own ({@link CategoricalEncoding#createColumnMapping}
 * and {@link CategoricalEncoding#createCategoricalEncoders}, the ones {@code EasyPredictModelWrapper} uses), built
 * once at load time, so a row encodes exactly as the wrapper would encode it (for every categorical encoding,
 * including one-hot and binary) but without a {@code RowData} map per row.
 *
 * <p>Thread safety: immutable after construction; {@link #encode} writes only into the caller's array.
 */
final class MojoInputs {
    private final String modelName;
    private final int width;
    private final Column[] columns;
    private final Column offset;
    private final List<FieldSpec> specs;
    private final ValuePolicy unknownCategorical;
    private final ValuePolicy unparsableNumber;

    /** One input column: where it goes in the raw row and, for a categorical column, how its levels encode. */
    private static final class Column {
        final String name;
        final int index;
        final CategoricalEncoder encoder;
        final String[] levels;

        Column(String name, int index, CategoricalEncoder encoder, String[] levels) {
            this.name = name;
            this.index = index;
            this.encoder = encoder;
            this.levels = levels;
        }
    }

    private MojoInputs(String modelName, int width, List<Column> columns, Column offset, ValuePolicy unknownCategorical,
            ValuePolicy unparsableNumber) {
        this.modelName = modelName;
        this.width = width;
        this.columns = columns.toArray(new Column[0]);
        this.offset = offset;
        this.unknownCategorical = unknownCategorical;
        this.unparsableNumber = unparsableNumber;
        List<FieldSpec> s = new ArrayList<>();
        for (Column c : columns) {
            s.add(c.encoder == null ? FieldSpec.scalar(c.name, DataType.DOUBLE) : FieldSpec.categorical(c.name, List.of(c.levels)));
        }
        if (offset != null) {
            s.add(FieldSpec.scalar(offset.name, DataType.DOUBLE));
        }
        this.specs = List.copyOf(s);
    }

    /**
     * Reads the MOJO's input columns.
     *
     * @throws IllegalArgumentException if the MOJO's column mapping is inconsistent (a damaged MOJO)
     */
    static MojoInputs of(GenModel model, String modelName, ValuePolicy unknownCategorical, ValuePolicy unparsableNumber) {
        CategoricalEncoding encoding = model.getCategoricalEncoding();
        Map<String, Integer> mapping = encoding.createColumnMapping(model);
        Map<Integer, CategoricalEncoder> encoders = encoding.createCategoricalEncoders(model, mapping);
        int width = model.nfeatures();
        // Users write the columns they trained on: the original names when H2O expanded them (one-hot, binary, ...).
        boolean expanded = model.getOrigNames() != null && model.getOrigNames().length > 0;
        String[] names = expanded ? model.getOrigNames() : model.getNames();
        String[][] domains = expanded ? model.getOrigDomainValues() : model.getDomainValues();
        List<Column> columns = new ArrayList<>();
        for (Map.Entry<String, Integer> e : mapping.entrySet()) {
            int index = e.getValue();
            if (index >= width) {
                continue; // the response column: not an input (EasyPredictModelWrapper skips it the same way)
            }
            CategoricalEncoder encoder = encoders.get(index);
            String[] levels = encoder == null ? null : domainOf(e.getKey(), names, domains);
            if (encoder != null && levels == null) {
                throw new IllegalArgumentException("categorical column '" + e.getKey() + "' has no domain");
            }
            columns.add(new Column(e.getKey(), index, encoder, levels));
        }
        columns.sort(Comparator.comparingInt((Column c) -> c.index).thenComparing(c -> c.name));
        Column offset = null;
        String offsetName = model.getOffsetName();
        Integer offsetIndex = offsetName == null ? null : mapping.get(offsetName);
        // The MOJO lists the offset after the features (beside the response), outside the raw row.
        if (offsetName != null && (offsetIndex == null || offsetIndex >= width)) {
            offset = new Column(offsetName, -1, null, null);
        }
        return new MojoInputs(modelName, width, columns, offset, unknownCategorical, unparsableNumber);
    }

    private static String[] domainOf(String name, String[] names, String[][] domains) {
        for (int i = 0; i < names.length && i < domains.length; i++) {
            if (names[i].equals(name)) {
                return domains[i];
            }
        }
        return null;
    }

    /** @return the input specs: one scalar per column, categorical ones with their levels, in MOJO order. */
    List<FieldSpec> specs() {
        return specs;
    }

    /** @return the length of the raw row. */
    int width() {
        return width;
    }

    /** @return true if the MOJO takes an offset column, passed to {@code score0} beside the row. */
    boolean hasOffset() {
        return offset != null;
    }

    /**
     * Fills {@code raw} (length {@link #width()}) from one row.
     *
     * @param row the input row
     * @param recordIndex the row's index in its batch, for the error
     * @param raw the array to fill; every element is overwritten
     * @return the offset value (0 when the model has none or the field is missing)
     * @throws InvalidInputException naming the model, the field and the problem
     */
    double encode(Features row, int recordIndex, double[] raw) throws InvalidInputException {
        Arrays.fill(raw, Double.NaN);
        for (Column c : columns) {
            Tensor t = row.get(c.name);
            if (t == null) {
                continue; // missing: NaN, the model's own missing-value treatment applies
            }
            if (t.size() != 1) {
                throw invalid(recordIndex, c, "expected a single value, got " + t.size() + " values");
            }
            if (c.encoder == null) {
                raw[c.index] = number(t, c, recordIndex);
            } else {
                encodeLevel(t, c, recordIndex, raw);
            }
        }
        if (offset != null) {
            Tensor t = row.get(offset.name);
            if (t == null) {
                return 0;
            }
            if (t.size() != 1) {
                throw invalid(recordIndex, offset, "expected a single number (the offset), got " + t.size() + " values");
            }
            double v = number(t, offset, recordIndex);
            return Double.isNaN(v) ? 0 : v;
        }
        return 0;
    }

    private double number(Tensor t, Column c, int recordIndex) throws InvalidInputException {
        DataType type = t.type();
        if (type.isNumeric() || type == DataType.BOOL) {
            return t.getDouble(0);
        }
        if (type == DataType.STRING) {
            String s = t.asStrings()[0].trim();
            if (s.isEmpty()) {
                return Double.NaN; // an empty cell is missing, as in H2O's own parser
            }
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                if (unparsableNumber == ValuePolicy.MISSING) {
                    return Double.NaN;
                }
                throw invalid(recordIndex, c, "'" + s + "' is not a number (numeric column; option "
                        + H2oMojoLoader.UNPARSABLE_NUMBER + "=reject)");
            }
        }
        throw invalid(recordIndex, c, "expected a number, got " + type.displayName());
    }

    private void encodeLevel(Tensor t, Column c, int recordIndex, double[] raw) throws InvalidInputException {
        String level;
        switch (t.type()) {
            case STRING:
                level = t.asStrings()[0];
                if (level.isEmpty()) {
                    c.encoder.encodeNA(raw);
                    return;
                }
                break;
            case BOOL:
                level = levelIgnoringCase(c, Boolean.toString(t.asBooleans()[0]));
                break;
            case FLOAT:
            case DOUBLE:
            case INT32:
            case INT64:
                double d = t.getDouble(0);
                if (Double.isNaN(d)) {
                    c.encoder.encodeNA(raw);
                    return;
                }
                // A JSON number in a categorical column names the level it prints as: H2O turns 4 into level "4".
                level = d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
                break;
            default:
                throw invalid(recordIndex, c, "expected a level (text), got " + t.type().displayName());
        }
        if (c.encoder.encodeCatValue(level, raw)) {
            return;
        }
        if (unknownCategorical == ValuePolicy.MISSING) {
            c.encoder.encodeNA(raw);
            return;
        }
        throw invalid(recordIndex, c, "unknown level '" + level + "' (known: " + preview(c.levels) + "; option "
                + H2oMojoLoader.UNKNOWN_CATEGORICAL + "=reject)");
    }

    /** Booleans reach categorical columns as true/false; H2O domains may spell them TRUE/FALSE or True/False. */
    private static String levelIgnoringCase(Column c, String level) {
        for (String l : c.levels) {
            if (l.equalsIgnoreCase(level)) {
                return l;
            }
        }
        return level;
    }

    private static String preview(String[] levels) {
        int shown = Math.min(levels.length, 10);
        String head = String.join(", ", Arrays.asList(levels).subList(0, shown));
        return levels.length > shown ? head + ", ... " + levels.length + " levels in all" : head;
    }

    private InvalidInputException invalid(int recordIndex, Column c, String message) {
        return new InvalidInputException(recordIndex, c.name, message + " [model " + modelName + "]");
    }
}
