package io.inferstream.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a batch of N records into batched tensors and back, for both ends of a model server call: N {@link Features}
 * become one tensor per model input shaped {@code [N, ...per-record shape]}, and N {@link Prediction}s one tensor per
 * output shaped likewise; the reverse splits the first dimension again.
 *
 * <p>The classifier view of a {@link Prediction} (label and class probabilities) travels as two extra outputs, so a
 * remote model answers exactly as the embedded one, and any v2 client can still read them:
 * <ul>
 *   <li>{@value #LABEL_OUTPUT}: BYTES {@code [N]}, each record's label as UTF-8;</li>
 *   <li>{@value #PROBABILITIES_OUTPUT}: FP64 {@code [N, K]}, each record's probabilities in class order, with the
 *       class labels in the tensor parameter {@value #CLASSES_PARAMETER} as a JSON array of strings.</li>
 * </ul>
 *
 * <p>Types: a record's value is coerced to the model input's declared type (a fraction never into an integer); text
 * travels as BYTES (UTF-8) marked {@code "content_type": "str"} and is text again on the other side. A scalar input
 * may arrive as {@code [N]} or {@code [N, 1]}. A
 * tensor cannot leave one record's value out, so a field present in some records of a batch and missing in others is
 * an error for the records that miss it; a field missing in every record is left out of the request.
 *
 * <p>Thread safety: stateless.
 */
public final class TensorBatches {
    /** Output carrying each record's class label. */
    public static final String LABEL_OUTPUT = "inferstream.label";
    /** Output carrying each record's class probabilities. */
    public static final String PROBABILITIES_OUTPUT = "inferstream.probabilities";
    /** Parameter of {@link #PROBABILITIES_OUTPUT}: the class labels, a JSON array of strings. */
    public static final String CLASSES_PARAMETER = "classes";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TensorBatches() {
    }

    /**
     * Batches records into one tensor per model input (client side).
     *
     * @param rows the records, not empty
     * @param info the model's signature; when it declares no inputs, each field of the first record is sent as is
     * @throws InvalidInputException naming the record and field that cannot be batched
     */
    public static List<WireTensor> encodeInputs(List<Features> rows, ModelInfo info) throws InvalidInputException {
        List<FieldSpec> specs = info.inputs();
        if (specs.isEmpty()) {
            List<FieldSpec> seen = new ArrayList<>();
            rows.get(0).asMap().forEach((name, t) -> seen.add(FieldSpec.tensor(name, t.type(), t.shape())));
            specs = seen;
        }
        List<WireTensor> out = new ArrayList<>(specs.size());
        for (FieldSpec spec : specs) {
            List<Tensor> column = new ArrayList<>(rows.size());
            for (Features row : rows) {
                column.add(row.get(spec.name()));
            }
            if (column.stream().allMatch(t -> t == null)) {
                continue;
            }
            try {
                out.add(WireTensor.of(spec.name(), stack(column, spec.type())));
            } catch (RecordException e) {
                throw new InvalidInputException(e.record, spec.name(), e.getMessage());
            }
        }
        return out;
    }

    /**
     * Splits request tensors into records (server side).
     *
     * @param inputs the request's inputs, each shaped {@code [N, ...]}
     * @param info the model's signature; inputs are coerced to its declared types and shapes
     * @return N records
     * @throws InvalidInputException naming the input (and record, when one value is at fault)
     */
    public static List<Features> decodeInputs(List<WireTensor> inputs, ModelInfo info) throws InvalidInputException {
        return decodeInputs(inputs, info, false);
    }

    /**
     * Like {@link #decodeInputs(List, ModelInfo)}; with {@code allowNonFinite}, NaN and infinities pass to the model
     * (for a model that takes NaN as "missing", as the engine's {@code input.allow.nan} and {@code score --allow-nan}
     * allow).
     */
    public static List<Features> decodeInputs(List<WireTensor> inputs, ModelInfo info, boolean allowNonFinite)
            throws InvalidInputException {
        if (inputs.isEmpty()) {
            throw new InvalidInputException("the request has no inputs; the model takes " + info.inputs());
        }
        long n = -1;
        String first = null;
        List<Tensor> coerced = new ArrayList<>(inputs.size());
        List<long[]> rowShapes = new ArrayList<>(inputs.size());
        for (WireTensor input : inputs) {
            long[] shape = input.shape();
            if (shape.length == 0) {
                throw new InvalidInputException(input.name(), "shape [] has no batch dimension; send [N, ...]");
            }
            if (n >= 0 && shape[0] != n) {
                throw new InvalidInputException(input.name(), "batch dimension " + shape[0] + " differs from input '"
                        + first + "', which has " + n);
            }
            n = shape[0];
            first = first == null ? input.name() : first;
            FieldSpec spec = info.input(input.name());
            if (spec == null && !info.inputs().isEmpty()) {
                throw new InvalidInputException(input.name(), "the model has no such input; its inputs are "
                        + info.inputs());
            }
            long[] rowShape = Arrays.copyOfRange(shape, 1, shape.length);
            if (spec != null) {
                rowShape = matchShape(input.name(), rowShape, spec);
            }
            DataType type = spec == null ? input.values().type() : spec.type();
            Tensor values = coerce(input, type);
            if (!allowNonFinite) {
                requireFinite(input.name(), values, rowShape);
            }
            coerced.add(values);
            rowShapes.add(rowShape);
        }
        int rows = Math.toIntExact(n);
        List<Features> out = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            Map<String, Tensor> values = new LinkedHashMap<>();
            for (int k = 0; k < inputs.size(); k++) {
                int per = Math.toIntExact(Tensor.elementCount(rowShapes.get(k)));
                values.put(inputs.get(k).name(), Elements.slice(coerced.get(k), r * per, per, rowShapes.get(k)));
            }
            out.add(Features.of(values));
        }
        return out;
    }

    /**
     * Refuses NaN, infinities and numbers that overflow the input's type (1e39 in an FP32 input), as the engine's
     * decoders and {@code score} do: a model answers such values with NaN or a normal-looking number, never an error.
     */
    static void requireFinite(String name, Tensor values, long[] rowShape) throws InvalidInputException {
        if (values.type() != DataType.FLOAT && values.type() != DataType.DOUBLE) {
            return;
        }
        int per = Math.max(1, Math.toIntExact(Tensor.elementCount(rowShape)));
        int n = values.size();
        for (int i = 0; i < n; i++) {
            double v = values.getDouble(i);
            if (!Double.isFinite(v)) {
                throw new InvalidInputException(i / per, name, "element " + (i % per) + " is " + v + ": not a finite "
                        + (values.type() == DataType.FLOAT ? "FP32" : "FP64") + " number (NaN, an infinity, or a "
                        + "value the type cannot hold, such as 1e39 in FP32)");
            }
        }
    }

    private static long[] matchShape(String name, long[] rowShape, FieldSpec spec) throws InvalidInputException {
        long[] want = spec.shape();
        if (want.length == 0 && rowShape.length == 1 && rowShape[0] == 1) {
            return new long[0];
        }
        boolean ok = want.length == rowShape.length;
        for (int i = 0; ok && i < want.length; i++) {
            ok = want[i] < 0 || want[i] == rowShape[i];
        }
        if (!ok) {
            long[] full = new long[want.length + 1];
            full[0] = -1;
            System.arraycopy(want, 0, full, 1, want.length);
            throw new InvalidInputException(name, "shape [N" + tail(rowShape) + "] does not match the model's "
                    + Arrays.toString(full) + " (" + spec.typeAndShape() + " per record)");
        }
        return rowShape;
    }

    private static String tail(long[] rowShape) {
        StringBuilder b = new StringBuilder();
        for (long d : rowShape) {
            b.append(", ").append(d);
        }
        return b.toString();
    }

    private static Tensor coerce(WireTensor input, DataType type) throws InvalidInputException {
        Tensor values = input.values();
        try {
            return Elements.coerce(values, type, values.shape());
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new InvalidInputException(input.name(), "datatype " + input.datatype() + " cannot feed the model's "
                    + type.displayName() + " input: " + e.getMessage());
        }
    }

    /**
     * Batches predictions into one tensor per output, plus the classifier outputs (server side).
     *
     * @param predictions one per record, not empty, all with the same outputs and per-record shapes
     * @throws IllegalStateException if the records' outputs cannot form one tensor (a model fault)
     */
    public static List<WireTensor> encodeOutputs(List<Prediction> predictions) {
        Prediction head = predictions.get(0);
        List<WireTensor> out = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : head.outputs().entrySet()) {
            List<Tensor> column = new ArrayList<>(predictions.size());
            predictions.forEach(p -> column.add(p.output(e.getKey())));
            try {
                out.add(WireTensor.of(e.getKey(), stack(column, e.getValue().type())));
            } catch (RecordException ex) {
                throw new IllegalStateException("output '" + e.getKey() + "' of record " + ex.record + ": "
                        + ex.getMessage());
            }
        }
        if (head.label().isPresent()) {
            byte[][] labels = new byte[predictions.size()][];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = predictions.get(i).label().orElse("").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            out.add(WireTensor.of(LABEL_OUTPUT, Tensor.ofBytes(labels, labels.length)));
        }
        if (!head.probabilities().isEmpty()) {
            List<String> classes = List.copyOf(head.probabilities().keySet());
            double[] p = new double[predictions.size() * classes.size()];
            for (int i = 0; i < predictions.size(); i++) {
                Map<String, Double> row = predictions.get(i).probabilities();
                if (!List.copyOf(row.keySet()).equals(classes)) {
                    throw new IllegalStateException("record " + i + " has classes " + row.keySet()
                            + ", record 0 has " + classes);
                }
                for (int c = 0; c < classes.size(); c++) {
                    p[i * classes.size() + c] = row.get(classes.get(c));
                }
            }
            try {
                out.add(new WireTensor(PROBABILITIES_OUTPUT, V2Datatype.FP64,
                        Tensor.ofDoubles(p, predictions.size(), classes.size()),
                        Map.of(CLASSES_PARAMETER, JSON.writeValueAsString(classes))));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /**
     * Splits response tensors into one prediction per record (client side); the classifier outputs become each
     * prediction's label and probabilities.
     *
     * @throws ProtocolException if the outputs do not share a batch dimension or a classifier output is malformed
     */
    public static List<Prediction> decodeOutputs(List<WireTensor> outputs) {
        if (outputs.isEmpty()) {
            throw new ProtocolException("the response has no outputs");
        }
        int n = -1;
        for (WireTensor t : outputs) {
            long[] shape = t.shape();
            if (shape.length == 0 || (n >= 0 && shape[0] != n)) {
                throw new ProtocolException(t.name(), "shape " + Arrays.toString(shape) + " does not start with the "
                        + "batch dimension" + (n >= 0 ? " " + n + " of the other outputs" : ""), null);
            }
            n = Math.toIntExact(shape[0]);
        }
        List<Prediction.Builder> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(Prediction.builder());
        }
        for (WireTensor t : outputs) {
            long[] shape = t.shape();
            long[] rowShape = Arrays.copyOfRange(shape, 1, shape.length);
            int per = Math.toIntExact(Tensor.elementCount(rowShape));
            if (t.name().equals(LABEL_OUTPUT)) {
                for (int i = 0; i < n; i++) {
                    rows.get(i).label(new String(t.values().asBytes()[i], java.nio.charset.StandardCharsets.UTF_8));
                }
            } else if (t.name().equals(PROBABILITIES_OUTPUT)) {
                List<String> classes = classes(t, per);
                for (int i = 0; i < n; i++) {
                    for (int c = 0; c < per; c++) {
                        rows.get(i).probability(classes.get(c), t.values().getDouble(i * per + c));
                    }
                }
            } else {
                Tensor values = t.isText() ? Elements.coerce(t.values(), DataType.STRING, shape) : t.values();
                for (int i = 0; i < n; i++) {
                    rows.get(i).output(t.name(), Elements.slice(values, i * per, per, rowShape));
                }
            }
        }
        List<Prediction> out = new ArrayList<>(n);
        rows.forEach(b -> out.add(b.build()));
        return out;
    }

    private static List<String> classes(WireTensor t, int k) {
        String json = t.parameters().get(CLASSES_PARAMETER);
        List<String> classes = new ArrayList<>(k);
        if (json == null) {
            for (int c = 0; c < k; c++) {
                classes.add(Integer.toString(c));
            }
            return classes;
        }
        try {
            for (Object o : JSON.readValue(json, List.class)) {
                classes.add(String.valueOf(o));
            }
        } catch (JsonProcessingException e) {
            throw new ProtocolException(t.name(), "parameter '" + CLASSES_PARAMETER + "' is not a JSON array", e);
        }
        if (classes.size() != k) {
            throw new ProtocolException(t.name(), "parameter '" + CLASSES_PARAMETER + "' lists " + classes.size()
                    + " classes for " + k + " probabilities per record", null);
        }
        return classes;
    }

    /** A record whose value cannot join the batch. */
    private static final class RecordException extends Exception {
        private static final long serialVersionUID = 1L;
        final int record;

        RecordException(int record, String message) {
            super(message);
            this.record = record;
        }
    }

    /** Stacks one value per record into a {@code [N, ...]} tensor of the given type. */
    private static Tensor stack(List<Tensor> column, DataType type) throws RecordException {
        Tensor head = null;
        for (int i = 0; i < column.size(); i++) {
            if (column.get(i) == null) {
                throw new RecordException(i, "missing: a batched tensor cannot leave one record's value out");
            }
            head = head == null ? column.get(i) : head;
        }
        long[] rowShape = head.shape();
        int per = head.size();
        Object dst = Elements.array(type, per * column.size());
        for (int i = 0; i < column.size(); i++) {
            Tensor t = column.get(i);
            if (!Arrays.equals(t.shape(), rowShape)) {
                throw new RecordException(i, "shape " + Arrays.toString(t.shape()) + " differs from "
                        + Arrays.toString(rowShape) + " of the batch's first record");
            }
            try {
                for (int j = 0; j < per; j++) {
                    Elements.put(dst, type, i * per + j, t, j);
                }
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new RecordException(i, e.getMessage());
            }
        }
        long[] shape = new long[rowShape.length + 1];
        shape[0] = column.size();
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        return Elements.tensor(type, dst, shape);
    }
}
