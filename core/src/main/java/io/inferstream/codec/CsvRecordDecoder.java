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
 * <p>A value that is not one line of UTF-8 text with as many cells as the header is a decode error; a cell that
 * does not fit its input (not a number, not true/false for a boolean, NaN) is a validation error naming the column.
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
        if (value.length == 0) {
            throw RecordBytes.empty();
        }
        // Without this, binary or Latin-1 bytes become U+FFFD replacement characters and reach the messages (and
        // string inputs) as garbage; lines are short, so checking every one costs little next to parsing numbers.
        MalformedRecordException notText = RecordBytes.notText(value, "csv", false);
        if (notText != null) {
            throw notText;
        }
        List<String> cells = split(new String(value, StandardCharsets.UTF_8));
        if (cells.size() != header.size()) {
            throw new MalformedRecordException("csv line has " + cells(cells.size()) + " but input.csv.header has "
                    + header.size() + " (" + String.join(", ", header) + ")");
        }
        if (vectorInput != null) {
            NumericBuffer buf = new NumericBuffer(vectorInput.type(), cells.size());
            for (int i = 0; i < cells.size(); i++) {
                buf.addNumber(parseNumber(cells.get(i), header.get(i)), cells.get(i).trim(), header.get(i), allowNonFinite);
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
                buf.addNumber(parseNumber(cell, spec.name()), cell.trim(), spec.name(), allowNonFinite);
                row.put(spec.name(), buf.toTensor(spec.shape()));
            } else if (spec.type() == DataType.BOOL) {
                row.put(spec.name(), Tensor.scalar(parseBoolean(cell, spec.name())));
            } else {
                row.put(spec.name(), Tensor.scalar(cell));
            }
        }
        return row.build();
    }

    private static String cells(int n) {
        return n == 1 ? "1 cell" : n + " cells";
    }

    private static double parseNumber(String cell, String column) throws InvalidInputException {
        try {
            return Double.parseDouble(cell.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(column, RecordBytes.quote(cell) + " is not a number");
        }
    }

    /** Boolean.parseBoolean would read "yes" or "1" as false and score it silently; only true/false are taken. */
    private static boolean parseBoolean(String cell, String column) throws InvalidInputException {
        String s = cell.trim();
        if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
            return s.equalsIgnoreCase("true");
        }
        throw new InvalidInputException(column, RecordBytes.quote(cell) + " is not a boolean (true or false)");
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
                throw new MalformedRecordException("csv value has a line break at character " + i
                        + " outside quotes; a record is a single line");
            } else {
                cell.append(c);
            }
        }
        if (quoted) {
            throw new MalformedRecordException("csv line has an unterminated quote (a cell opened with \" never closes)");
        }
        cells.add(cell.toString());
        return cells;
    }
}
