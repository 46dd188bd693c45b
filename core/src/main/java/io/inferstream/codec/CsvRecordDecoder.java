package io.inferstream.codec;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes one CSV line per record, with the column names given in configuration ({@code input.csv.header}).
 *
 * <p>Two layouts, chosen once from the header and the model's inputs: when the header names the model's inputs,
 * each column fills the input of that name (a scalar, so this suits tabular models; an empty cell is missing);
 * when the model has a single tensor input whose size equals the number of columns, the columns are that
 * tensor's values in order. Quoted cells ({@code "a,b"}, with {@code ""} for a quote) are understood.
 *
 * <p>Thread safety: immutable and thread-safe.
 */
public final class CsvRecordDecoder implements RecordDecoder {
    private final List<String> header;
    private final FieldSpec[] columnInputs;
    private final FieldSpec vectorInput;
    private final boolean allowNonFinite;

    /**
     * @throws IllegalArgumentException if the header fits neither layout, naming the model's inputs
     */
    public CsvRecordDecoder(ModelInfo model, List<String> header, boolean allowNonFinite) {
        this.header = List.copyOf(header);
        this.allowNonFinite = allowNonFinite;
        this.columnInputs = new FieldSpec[header.size()];
        int matched = 0;
        for (int i = 0; i < header.size(); i++) {
            columnInputs[i] = model.input(header.get(i));
            if (columnInputs[i] != null) {
                matched++;
                if (!columnInputs[i].isScalar() && columnInputs[i].elementCount() != 1) {
                    throw new IllegalArgumentException("csv column '" + header.get(i) + "' maps to input "
                            + columnInputs[i] + " of model " + model.name() + ", which is not a scalar");
                }
            }
        }
        if (matched > 0) {
            vectorInput = null;
            return;
        }
        if (model.inputs().size() == 1 && model.inputs().get(0).elementCount() == header.size()) {
            vectorInput = model.inputs().get(0);
            return;
        }
        throw new IllegalArgumentException("input.csv.header " + header + " names none of the inputs of model "
                + model.name() + " " + model.inputs() + ", and the model has no single input of "
                + header.size() + " values to take the columns in order");
    }

    @Override
    public Features decode(byte[] value) throws InvalidInputException {
        List<String> cells = split(new String(value, StandardCharsets.UTF_8));
        if (cells.size() != header.size()) {
            throw new MalformedRecordException("csv line has " + cells.size() + " cells, the header " + header
                    + " has " + header.size());
        }
        if (vectorInput != null) {
            NumericBuffer buf = new NumericBuffer(vectorInput.type(), cells.size());
            for (int i = 0; i < cells.size(); i++) {
                buf.addNumber(parseNumber(cells.get(i), header.get(i)), header.get(i), allowNonFinite);
            }
            return Features.of(vectorInput.name(), buf.toTensor(vectorInput.shape()));
        }
        Features.Builder row = Features.builder();
        for (int i = 0; i < cells.size(); i++) {
            FieldSpec spec = columnInputs[i];
            String cell = cells.get(i);
            if (spec == null || cell.isEmpty()) {
                continue;
            }
            if (spec.type().isNumeric()) {
                NumericBuffer buf = new NumericBuffer(spec.type(), 1);
                buf.addNumber(parseNumber(cell, spec.name()), spec.name(), allowNonFinite);
                row.put(spec.name(), buf.toTensor(spec.shape()));
            } else if (spec.type() == DataType.BOOL) {
                row.put(spec.name(), Tensor.scalar(Boolean.parseBoolean(cell)));
            } else {
                row.put(spec.name(), Tensor.scalar(cell));
            }
        }
        return row.build();
    }

    private static double parseNumber(String cell, String column) throws InvalidInputException {
        try {
            return Double.parseDouble(cell.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(column, "'" + cell + "' is not a number");
        }
    }

    /** Splits one CSV line, honouring double quotes. */
    static List<String> split(String line) throws MalformedRecordException {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        int end = line.endsWith("\r\n") ? line.length() - 2 : line.endsWith("\n") ? line.length() - 1 : line.length();
        for (int i = 0; i < end; i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < end && line.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                cells.add(cell.toString());
                cell.setLength(0);
            } else if (c == '\n' || c == '\r') {
                throw new MalformedRecordException("a csv record must be a single line");
            } else {
                cell.append(c);
            }
        }
        if (quoted) {
            throw new MalformedRecordException("csv line has an unterminated quote");
        }
        cells.add(cell.toString());
        return cells;
    }
}
