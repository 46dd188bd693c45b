package io.inferstream.onnx;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelLoadException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A session's inputs and outputs in Inferstream's terms: per-record {@link FieldSpec}s (the batch dimension left
 * out, symbolic dimensions as -1), how many rows one session run may take, and which outputs make up a classifier
 * (a label tensor and a sequence of class-to-probability maps, as converted scikit-learn models have).
 *
 * <p>Thread safety: immutable after construction, safe to share.
 */
final class OnnxSignature {
    /** One model output and how its value is split into rows. */
    static final class Output {
        final FieldSpec spec;
        /** True for a sequence with one map (class → probability) per row, as ZipMap makes. */
        final boolean mapPerRow;
        /** For a map output: the class keys in the model's order, or empty when unknown (then sorted). */
        final List<String> classes;

        Output(FieldSpec spec, boolean mapPerRow, List<String> classes) {
            this.spec = spec;
            this.mapPerRow = mapPerRow;
            this.classes = List.copyOf(classes);
        }
    }

    final List<FieldSpec> inputs;
    final List<Output> outputs;
    /** Rows per session run: {@code Integer.MAX_VALUE} when every input has a free batch dimension, else 1. */
    final int maxRowsPerRun;
    /** The output holding one class-probability map per row, or null. */
    final Output probabilityMaps;
    /** The output holding the predicted label per row (string or int64 scalar), or null. */
    final Output labels;

    private OnnxSignature(List<FieldSpec> inputs, List<Output> outputs, int maxRowsPerRun) {
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.maxRowsPerRun = maxRowsPerRun;
        Output maps = null;
        for (Output o : outputs) {
            if (o.mapPerRow && maps == null) {
                maps = o;
            }
        }
        this.probabilityMaps = maps;
        this.labels = maps == null ? null : findLabels(outputs);
    }

    /** Reads the session's metadata; rejects, naming the field, what cannot be fed from or split into records. */
    static OnnxSignature read(OrtSession session, String model, Supplier<byte[]> modelBytes)
            throws OrtException, ModelLoadException {
        List<FieldSpec> inputs = new ArrayList<>();
        boolean freeBatch = true;
        for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
            String name = e.getKey();
            ValueInfo info = e.getValue().getInfo();
            if (!(info instanceof TensorInfo)) {
                throw new ModelLoadException("ONNX model " + model + ": input '" + name + "' is " + info
                        + "; only tensor inputs are supported");
            }
            TensorInfo t = (TensorInfo) info;
            long[] shape = t.getShape();
            if (shape.length == 0) {
                throw new ModelLoadException("ONNX model " + model + ": input '" + name + "' is a scalar with no batch"
                        + " dimension; records are stacked along a leading batch dimension");
            }
            if (shape[0] > 1) {
                throw new ModelLoadException("ONNX model " + model + ": input '" + name + "' fixes its batch dimension"
                        + " at " + shape[0] + " " + Arrays.toString(shape) + "; export it with a free (symbolic) batch"
                        + " dimension, or with batch 1");
            }
            freeBatch &= shape[0] < 0;
            inputs.add(FieldSpec.tensor(name, dataType(t.type, model, "input", name), perRecord(shape)));
        }
        List<Output> outputs = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
            outputs.add(output(e.getKey(), e.getValue().getInfo(), model, modelBytes));
        }
        // A model exported with its batch dimension fixed at 1 (torch.onnx.export's default) can only score one
        // record per run; everything else takes the whole micro-batch in one run.
        return new OnnxSignature(inputs, outputs, freeBatch ? Integer.MAX_VALUE : 1);
    }

    private static Output output(String name, ValueInfo info, String model, Supplier<byte[]> modelBytes)
            throws ModelLoadException {
        if (info instanceof TensorInfo) {
            TensorInfo t = (TensorInfo) info;
            long[] shape = t.getShape();
            if (shape.length == 0) {
                throw new ModelLoadException("ONNX model " + model + ": output '" + name + "' is a scalar with no batch"
                        + " dimension, so it cannot be split into one value per record");
            }
            return new Output(FieldSpec.tensor(name, dataType(t.type, model, "output", name), perRecord(shape)), false, List.of());
        }
        if (info instanceof SequenceInfo && ((SequenceInfo) info).isSequenceOfMaps()) {
            MapInfo map = ((SequenceInfo) info).mapInfo;
            if (map.keyType != OnnxJavaType.STRING && map.keyType != OnnxJavaType.INT64) {
                throw new ModelLoadException("ONNX model " + model + ": output '" + name + "' is a sequence of maps with "
                        + map.keyType + " keys; only string or int64 class keys are supported");
            }
            DataType values = dataType(map.valueType, model, "output", name);
            if (!values.isNumeric()) {
                throw new ModelLoadException("ONNX model " + model + ": output '" + name + "' maps to " + map.valueType
                        + " values; only numeric (probability) maps are supported");
            }
            // One map per record. ONNX Runtime's metadata has neither the classes nor their number; the ZipMap node
            // in the model bytes has both (only classic ML models have such outputs, and they are small).
            byte[] bytes = modelBytes.get();
            List<String> classes = bytes == null ? List.of() : ZipMapClasses.find(bytes, name);
            return new Output(FieldSpec.tensor(name, values, classes.isEmpty() ? -1 : classes.size()), true, classes);
        }
        throw new ModelLoadException("ONNX model " + model + ": output '" + name + "' is " + info + "; supported outputs"
                + " are tensors with a leading batch dimension and sequences of maps (one per record, as ZipMap makes)");
    }

    /** The label output of a converted classifier: a string or int64 value per record, preferably named so. */
    private static Output findLabels(List<Output> outputs) {
        Output found = null;
        for (Output o : outputs) {
            FieldSpec f = o.spec;
            boolean onePerRecord = f.isScalar() || f.elementCount() == 1;
            if (!o.mapPerRow && onePerRecord && (f.type() == DataType.STRING || f.type() == DataType.INT64)) {
                if (f.name().toLowerCase(Locale.ROOT).contains("label")) {
                    return o;
                }
                found = found == null ? o : found;
            }
        }
        return found;
    }

    private static long[] perRecord(long[] shape) {
        long[] perRecord = Arrays.copyOfRange(shape, 1, shape.length);
        for (int i = 0; i < perRecord.length; i++) {
            // ONNX Runtime reports symbolic dimensions as -1; any other negative value means unknown too.
            perRecord[i] = perRecord[i] < 0 ? -1 : perRecord[i];
        }
        return perRecord;
    }

    static DataType dataType(OnnxJavaType type, String model, String kind, String name) throws ModelLoadException {
        switch (type) {
            case FLOAT: return DataType.FLOAT;
            case DOUBLE: return DataType.DOUBLE;
            case INT32: return DataType.INT32;
            case INT64: return DataType.INT64;
            case BOOL: return DataType.BOOL;
            case STRING: return DataType.STRING;
            default:
                throw new ModelLoadException("ONNX model " + model + ": " + kind + " '" + name + "' has element type "
                        + type + "; supported are float, double, int32, int64, bool and string");
        }
    }
}
