package io.inferstream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.AbstractModel;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InputBatch;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ONNX model in one ONNX Runtime session. Each {@link #predict} stacks every input of the batch into one
 * {@code [batch, ...]} tensor and makes one session run, then splits each output back into one value per row under
 * the output's own name and type. A sequence-of-maps output (ZipMap, as in converted scikit-learn classifiers)
 * becomes the row's class probabilities, and the model's label output its label.
 *
 * <p>Models exported with their batch dimension fixed at 1 are run once per record, since ONNX Runtime cannot
 * feed them more; {@link ModelInfo#properties()} says so under {@code batching}.
 *
 * <p>Thread safety: thread-safe. ONNX Runtime sessions may be run concurrently, and this class keeps no other
 * mutable state, so {@link ModelInfo#threadSafe()} is true and the engine shares one instance among its workers.
 * {@link #close()} must not race a running predict (the {@link Model} contract).
 */
public final class OnnxModel extends AbstractModel {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxModel.class);

    private final OrtEnvironment environment;
    private final OrtSession session;
    private final OnnxSignature signature;
    /**
     * Direct buffers for float inputs, reused across runs. ONNX Runtime wraps a direct buffer without copying,
     * whereas for a heap buffer it allocates and fills a fresh direct one on every run, which measured several
     * times slower for a 256×784 batch. A buffer is taken for one run and given back after its tensor is closed,
     * so concurrent workers never share one; the pool holds at most one buffer per concurrent worker.
     */
    private final Queue<ByteBuffer> floatBuffers = new ConcurrentLinkedQueue<>();

    OnnxModel(OrtEnvironment environment, OrtSession session, OnnxSignature signature, ModelInfo info) {
        super(info);
        this.environment = environment;
        this.session = session;
        this.signature = signature;
    }

    @Override
    protected List<Prediction> score(List<Features> batch) throws InferenceException {
        if (batch.size() <= signature.maxRowsPerRun) {
            return run(batch);
        }
        List<Prediction> out = new ArrayList<>(batch.size());
        for (int row = 0; row < batch.size(); row++) {
            try {
                out.addAll(run(batch.subList(row, row + 1)));
            } catch (InvalidInputException e) {
                throw new InvalidInputException(row, e.field(), withoutFieldPrefix(e), e);
            }
        }
        return out;
    }

    /** The message as given to the exception, without the "field 'x': " its constructor put in front. */
    private static String withoutFieldPrefix(InvalidInputException e) {
        String prefix = "field '" + e.field() + "': ";
        String message = e.getMessage();
        return e.field() != null && message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    /** Scores rows in one session run. */
    private List<Prediction> run(List<Features> rows) throws InferenceException {
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        List<ByteBuffer> borrowed = new ArrayList<>(1);
        try {
            for (FieldSpec spec : signature.inputs) {
                inputs.put(spec.name(), inputTensor(rows, spec, borrowed));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                return split(result, rows.size());
            }
        } catch (OrtException e) {
            throw new ModelFailureException(description() + " failed to score a batch of " + rows.size()
                    + ": " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
            floatBuffers.addAll(borrowed);
        }
    }

    private OnnxTensor inputTensor(List<Features> rows, FieldSpec spec, List<ByteBuffer> borrowed)
            throws InvalidInputException, OrtException {
        long[] shape = InputBatch.batchShape(rows, spec);
        switch (spec.type()) {
            case FLOAT: {
                float[] values = InputBatch.floats(rows, spec);
                ByteBuffer buffer = floatBuffer(values.length * Float.BYTES);
                borrowed.add(buffer);
                FloatBuffer floats = buffer.slice(0, values.length * Float.BYTES).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
                floats.put(values).rewind();
                return OnnxTensor.createTensor(environment, floats, shape);
            }
            case DOUBLE:
                return OnnxTensor.createTensor(environment, DoubleBuffer.wrap(InputBatch.doubles(rows, spec)), shape);
            case INT32:
                return OnnxTensor.createTensor(environment, IntBuffer.wrap(InputBatch.ints(rows, spec)), shape);
            case INT64:
                return OnnxTensor.createTensor(environment, LongBuffer.wrap(InputBatch.longs(rows, spec)), shape);
            case BOOL: {
                boolean[] values = InputBatch.booleans(rows, spec);
                ByteBuffer bytes = ByteBuffer.allocateDirect(values.length);
                for (boolean v : values) {
                    bytes.put((byte) (v ? 1 : 0));
                }
                bytes.rewind();
                return OnnxTensor.createTensor(environment, bytes, shape, OnnxJavaType.BOOL);
            }
            case STRING:
                return OnnxTensor.createTensor(environment, InputBatch.strings(rows, spec), shape);
            default:
                // OnnxSignature admits no other input type; reaching here is a bug, not bad input.
                throw new IllegalStateException("unsupported input type " + spec.typeAndShape());
        }
    }

    /** @return a direct buffer of at least {@code bytes} bytes, from the pool when one is big enough. */
    private ByteBuffer floatBuffer(int bytes) {
        ByteBuffer b = floatBuffers.poll();
        // A pooled buffer too small for this batch is dropped (the GC frees it) for one that fits.
        return b != null && b.capacity() >= bytes ? b : ByteBuffer.allocateDirect(bytes);
    }

    private List<Prediction> split(OrtSession.Result result, int rows) throws OrtException, ModelFailureException {
        List<Prediction.Builder> builders = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            builders.add(Prediction.builder());
        }
        for (OnnxSignature.Output output : signature.outputs) {
            String name = output.spec.name();
            OnnxValue value = result.get(name).orElseThrow(() -> new ModelFailureException(description()
                    + " returned no output '" + name + "'"));
            if (output.mapPerRow) {
                splitMaps(output, (OnnxSequence) value, builders);
            } else {
                Tensor[] perRow = splitTensor(name, (OnnxTensor) value, rows);
                for (int r = 0; r < rows; r++) {
                    builders.get(r).output(name, perRow[r]);
                }
                if (output == signature.labels) {
                    for (int r = 0; r < rows; r++) {
                        builders.get(r).label(String.valueOf(perRow[r].get(0)));
                    }
                }
            }
        }
        List<Prediction> out = new ArrayList<>(rows);
        builders.forEach(b -> out.add(b.build()));
        return out;
    }

    /** One map per row: its values become the output (in key order) and, for the classifier map, probabilities. */
    private void splitMaps(OnnxSignature.Output output, OnnxSequence sequence, List<Prediction.Builder> builders)
            throws OrtException, ModelFailureException {
        String name = output.spec.name();
        List<? extends OnnxValue> maps = sequence.getValue();
        try {
            if (maps.size() != builders.size()) {
                throw new ModelFailureException(description() + ": output '" + name + "' has "
                        + maps.size() + " maps for " + builders.size() + " records");
            }
            boolean classifier = output == signature.probabilityMaps;
            for (int r = 0; r < maps.size(); r++) {
                Map<String, Double> probabilities = inClassOrder(((OnnxMap) maps.get(r)).getValue(), output.classes);
                Prediction.Builder b = builders.get(r);
                double[] values = new double[probabilities.size()];
                int i = 0;
                String best = null;
                for (Map.Entry<String, Double> e : probabilities.entrySet()) {
                    values[i++] = e.getValue();
                    if (best == null || e.getValue() > probabilities.get(best)) {
                        best = e.getKey();
                    }
                }
                b.output(name, numeric(output.spec.type(), values));
                if (classifier) {
                    probabilities.forEach(b::probability);
                    if (signature.labels == null && best != null) {
                        b.label(best);
                    }
                }
            }
        } finally {
            // getValue() hands out new native maps; the sequence's own close does not free them.
            maps.forEach(OnnxValue::close);
        }
    }

    /**
     * ONNX Runtime returns each map as a hash map; put it back in the model's class order, or in sorted key order
     * (numeric keys numerically) when the order is unknown. Keys the class list lacks go last, so none is dropped.
     */
    private static Map<String, Double> inClassOrder(Map<?, ?> map, List<String> classes) {
        Map<String, Double> sorted = new LinkedHashMap<>();
        new TreeMap<Object, Object>(map).forEach((k, v) -> sorted.put(String.valueOf(k), ((Number) v).doubleValue()));
        if (classes.isEmpty()) {
            return sorted;
        }
        Map<String, Double> ordered = new LinkedHashMap<>();
        for (String c : classes) {
            Double v = sorted.remove(c);
            if (v != null) {
                ordered.put(c, v);
            }
        }
        ordered.putAll(sorted);
        return ordered;
    }

    private static Tensor numeric(DataType type, double[] values) {
        switch (type) {
            case FLOAT: {
                float[] f = new float[values.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) values[i];
                }
                return Tensor.ofFloats(f);
            }
            case INT64:
                return Tensor.ofLongs(Arrays.stream(values).mapToLong(v -> (long) v).toArray());
            case INT32:
                return Tensor.ofInts(Arrays.stream(values).mapToInt(v -> (int) v).toArray());
            default:
                return Tensor.ofDoubles(values);
        }
    }

    private Tensor[] splitTensor(String name, OnnxTensor tensor, int rows) throws OrtException, ModelFailureException {
        TensorInfo t = tensor.getInfo();
        long[] shape = t.getShape();
        if (shape.length == 0 || shape[0] != rows) {
            throw new ModelFailureException(description() + ": output '" + name + "' has shape "
                    + Arrays.toString(shape) + ", not " + rows + " records along its first dimension");
        }
        long[] rowShape = Arrays.copyOfRange(shape, 1, shape.length);
        int per = Math.toIntExact(Tensor.elementCount(rowShape));
        Object all = flatArray(name, tensor, t, per * rows);
        Tensor[] out = new Tensor[rows];
        for (int r = 0; r < rows; r++) {
            Object row = Array.newInstance(all.getClass().getComponentType(), per);
            System.arraycopy(all, r * per, row, 0, per);
            out[r] = tensorOf(row, rowShape);
        }
        return out;
    }

    /** The whole output as one flat Java array, read in a single bulk copy where ONNX Runtime allows it. */
    private Object flatArray(String name, OnnxTensor tensor, TensorInfo t, int total) throws OrtException,
            ModelFailureException {
        switch (t.type) {
            case FLOAT: {
                float[] all = new float[total];
                tensor.getFloatBuffer().get(all);
                return all;
            }
            case DOUBLE: {
                double[] all = new double[total];
                tensor.getDoubleBuffer().get(all);
                return all;
            }
            case INT32: {
                int[] all = new int[total];
                tensor.getIntBuffer().get(all);
                return all;
            }
            case INT64: {
                long[] all = new long[total];
                tensor.getLongBuffer().get(all);
                return all;
            }
            case BOOL: {
                ByteBuffer bytes = tensor.getByteBuffer();
                boolean[] all = new boolean[total];
                for (int i = 0; i < total; i++) {
                    all[i] = bytes.get(i) != 0;
                }
                return all;
            }
            case STRING: {
                String[] all = new String[total];
                flattenInto(tensor.getValue(), all, 0);
                return all;
            }
            default:
                throw new ModelFailureException(description() + ": output '" + name + "' has element type "
                        + t.type + ", which the signature did not declare");
        }
    }

    private static Tensor tensorOf(Object row, long[] shape) {
        if (row instanceof float[]) {
            return Tensor.ofFloats((float[]) row, shape);
        } else if (row instanceof double[]) {
            return Tensor.ofDoubles((double[]) row, shape);
        } else if (row instanceof int[]) {
            return Tensor.ofInts((int[]) row, shape);
        } else if (row instanceof long[]) {
            return Tensor.ofLongs((long[]) row, shape);
        } else if (row instanceof boolean[]) {
            return Tensor.ofBooleans((boolean[]) row, shape);
        }
        return Tensor.ofStrings((String[]) row, shape);
    }

    /** String tensors come back only as nested Java arrays; walk them in row-major order. */
    private static int flattenInto(Object nested, String[] out, int at) {
        if (nested instanceof String) {
            out[at] = (String) nested;
            return at + 1;
        }
        int next = at;
        for (int i = 0, n = Array.getLength(nested); i < n; i++) {
            next = flattenInto(Array.get(nested, i), out, next);
        }
        return next;
    }

    @Override
    protected String description() {
        return "ONNX model " + info().name();
    }

    @Override
    protected void release() {
        try {
            session.close();
        } catch (OrtException | RuntimeException e) {
            LOG.warn("closing ONNX model {} failed: {}", info().name(), e.toString());
        }
    }
}
