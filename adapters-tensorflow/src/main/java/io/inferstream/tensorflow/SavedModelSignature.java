package io.inferstream.tensorflow;

import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelLoadException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * One SavedModel signature turned into the neutral signature: for each input and output its
 * {@link FieldSpec} (per-record shape, batch dimension left out) and the graph tensor it is fed to or fetched
 * from (e.g. {@code serving_default_features:0}).
 *
 * <p>Only batched signatures are accepted: every input and output must have a leading dimension of unknown size
 * (-1), as Keras, the TF1 estimator exporters and TF Java's own exporter all write, because the engine always
 * scores several records in one call. Inputs and outputs are ordered by their signature key, since a
 * {@code SignatureDef} map has no order of its own. A TF Serving classify signature (string {@code classes}
 * beside numeric {@code scores}, as TF1 estimator heads export) is recognised so predictions get a label.
 *
 * <p>TF Serving's classify and regress signatures take one string tensor of serialized {@code tf.Example}s,
 * one per record: its declared shape is {@code [-1]} or, in many exports, of unknown rank. Either way such an
 * input is one {@link DataType#BYTES} value per record (shape {@code []}), since TF Serving itself feeds it a
 * {@code [batch]} vector and its values are binary protobufs, which JSON carries as {@code {"b64": "..."}} (so
 * {@code inspect} shows that form). Elsewhere a string input stays {@link DataType#STRING}, and an unknown rank
 * a vector of unknown length per record.
 *
 * <p>Thread safety: immutable, safe to share.
 */
final class SavedModelSignature {
    /** The method name of TF Serving's classify API, as TF1 estimators' classification heads export it. */
    static final String CLASSIFY_METHOD = "tensorflow/serving/classify";
    /** The method name of TF Serving's regress API, as TF1 estimators' regression heads export it. */
    static final String REGRESS_METHOD = "tensorflow/serving/regress";

    /** The TensorFlow dtypes the neutral data types can carry, both ways. */
    private static final Map<org.tensorflow.proto.DataType, DataType> TYPES = Map.of(
            org.tensorflow.proto.DataType.DT_FLOAT, DataType.FLOAT,
            org.tensorflow.proto.DataType.DT_DOUBLE, DataType.DOUBLE,
            org.tensorflow.proto.DataType.DT_INT32, DataType.INT32,
            org.tensorflow.proto.DataType.DT_INT64, DataType.INT64,
            org.tensorflow.proto.DataType.DT_BOOL, DataType.BOOL,
            org.tensorflow.proto.DataType.DT_STRING, DataType.STRING);

    /** A signature input or output: its neutral spec and the graph tensor behind it. */
    static final class Port {
        final FieldSpec spec;
        final String tensorName;
        final org.tensorflow.proto.DataType dtype;

        Port(FieldSpec spec, String tensorName, org.tensorflow.proto.DataType dtype) {
            this.spec = spec;
            this.tensorName = tensorName;
            this.dtype = dtype;
        }
    }

    final String key;
    final String methodName;
    final List<Port> inputs;
    final List<Port> outputs;
    /** Index in {@link #outputs} of a classify signature's {@code classes}, or -1 when it is no classifier. */
    final int classesOutput;
    /** Index in {@link #outputs} of a classify signature's {@code scores}, or -1 when it is no classifier. */
    final int scoresOutput;

    private SavedModelSignature(String key, String methodName, List<Port> inputs, List<Port> outputs) {
        this.key = key;
        this.methodName = methodName;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        int classes = index(outputs, "classes");
        int scores = index(outputs, "scores");
        boolean classifier = CLASSIFY_METHOD.equals(methodName) && classes >= 0 && scores >= 0
                && outputs.get(classes).spec.type() == DataType.STRING
                && outputs.get(scores).spec.type().isNumeric()
                && Arrays.equals(outputs.get(classes).spec.shape(), outputs.get(scores).spec.shape());
        this.classesOutput = classifier ? classes : -1;
        this.scoresOutput = classifier ? scores : -1;
    }

    private static int index(List<Port> ports, String name) {
        for (int i = 0; i < ports.size(); i++) {
            if (ports.get(i).spec.name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** @return true for a TF Serving classify signature with string {@code classes} and numeric {@code scores}. */
    boolean isClassifier() {
        return classesOutput >= 0;
    }

    /**
     * @param model the model name, for messages
     * @param metaGraph the loaded meta graph
     * @param key the signature key, e.g. {@code serving_default}
     * @throws ModelLoadException naming the model, the signature and the field when the signature is missing
     *     or a field cannot be mapped
     */
    static SavedModelSignature of(String model, MetaGraphDef metaGraph, String key) throws ModelLoadException {
        Map<String, SignatureDef> all = metaGraph.getSignatureDefMap();
        SignatureDef def = all.get(key);
        if (def == null) {
            throw new ModelLoadException("TensorFlow model " + model + " has no signature '" + key
                    + "'; its signatures are " + new TreeMap<>(all).keySet()
                    + " (choose one with the 'signature' option)");
        }
        String where = "TensorFlow model " + model + ", signature '" + key + "'";
        if (def.getInputsCount() == 0 || def.getOutputsCount() == 0) {
            throw new ModelLoadException(where + " has " + def.getInputsCount() + " inputs and "
                    + def.getOutputsCount() + " outputs; it needs at least one of each");
        }
        boolean examplesIn = CLASSIFY_METHOD.equals(def.getMethodName()) || REGRESS_METHOD.equals(def.getMethodName());
        return new SavedModelSignature(key, def.getMethodName(), ports(where, "input", def.getInputsMap(), examplesIn),
                ports(where, "output", def.getOutputsMap(), false));
    }

    /**
     * @param examplesIn true for the inputs of a classify or regress signature, whose string input holds one
     *     serialized {@code tf.Example} per record whatever rank it declares
     */
    private static List<Port> ports(String where, String kind, Map<String, TensorInfo> infos, boolean examplesIn)
            throws ModelLoadException {
        List<Port> ports = new ArrayList<>();
        for (Map.Entry<String, TensorInfo> e : new TreeMap<>(infos).entrySet()) {
            ports.add(port(where, kind, e.getKey(), e.getValue(), examplesIn));
        }
        return ports;
    }

    private static Port port(String where, String kind, String name, TensorInfo info, boolean examplesIn)
            throws ModelLoadException {
        String field = where + ", " + kind + " '" + name + "'";
        if (info.getEncodingCase() != TensorInfo.EncodingCase.NAME) {
            throw new ModelLoadException(field + " is a " + info.getEncodingCase().name().toLowerCase(java.util.Locale.ROOT)
                    + " tensor; only dense tensors are supported");
        }
        DataType type = TYPES.get(info.getDtype());
        if (type == null) {
            throw new ModelLoadException(field + " has dtype " + info.getDtype() + "; supported are "
                    + "DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_BOOL and DT_STRING");
        }
        boolean unknownRank = !info.hasTensorShape() || info.getTensorShape().getUnknownRank();
        if (examplesIn && type == DataType.STRING && (unknownRank || perRecordShape(field, info).length == 0)) {
            // TF Serving feeds it [batch]: one serialized tf.Example per record, whatever rank it declares.
            return new Port(FieldSpec.scalar(name, DataType.BYTES), info.getName(), info.getDtype());
        }
        return new Port(FieldSpec.tensor(name, type, perRecordShape(field, info)), info.getName(), info.getDtype());
    }

    /** The declared shape without its batch dimension; an unknown rank is taken as a vector of unknown length. */
    private static long[] perRecordShape(String field, TensorInfo info) throws ModelLoadException {
        TensorShapeProto shape = info.getTensorShape();
        if (!info.hasTensorShape() || shape.getUnknownRank()) {
            return new long[] {-1};
        }
        long[] dims = new long[shape.getDimCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = shape.getDim(i).getSize() < 0 ? -1 : shape.getDim(i).getSize();
        }
        if (dims.length == 0 || dims[0] != -1) {
            throw new ModelLoadException(field + " has shape " + Arrays.toString(dims) + " with no batch dimension"
                    + " (a leading -1); the engine scores records in batches, so re-export the model with a"
                    + " variable batch size");
        }
        return Arrays.copyOfRange(dims, 1, dims.length);
    }
}
