package io.inferstream.pytorch;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import io.inferstream.data.Tensor;
import io.inferstream.model.ModelFailureException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns what {@code forward} returned into one named tensor per record: a tensor is one output (named
 * {@code output}, or the first configured name); a tuple or list gives one output per element ({@code output0},
 * {@code output1}... or the configured names); a dict of tensors keeps its keys. Every tensor's first dimension must
 * be the batch; each record gets its slice, in the tensor's own element type (float16/bfloat16/int8/uint8 widen to
 * float32, int32 stays int32).
 *
 * <p>Thread safety: immutable.
 */
final class TorchOutputs {
    private final List<String> names;
    private final String model;

    TorchOutputs(List<String> names, String model) {
        this.names = List.copyOf(names);
        this.model = model;
    }

    /** @return per record, its outputs by name; {@code result} and the arrays made from it stay owned by the caller */
    List<Map<String, Tensor>> split(IValue result, int rows, PtNDManager manager) throws ModelFailureException {
        Map<String, NDArray> named = new LinkedHashMap<>();
        collect(result, named, manager);
        List<Map<String, Tensor>> perRow = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            perRow.add(new LinkedHashMap<>());
        }
        for (Map.Entry<String, NDArray> e : named.entrySet()) {
            Tensor[] slices = slice(e.getKey(), e.getValue(), rows);
            for (int r = 0; r < rows; r++) {
                perRow.get(r).put(e.getKey(), slices[r]);
            }
        }
        return perRow;
    }

    private void collect(IValue result, Map<String, NDArray> named, PtNDManager manager) throws ModelFailureException {
        if (result.isTensor()) {
            named.put(names.isEmpty() ? "output" : names.get(0), result.toTensor(manager));
        } else if (result.isTuple() || result.isList()) {
            IValue[] elements = result.isTuple() ? result.toIValueTuple() : result.toIValueArray();
            try {
                if (!names.isEmpty() && names.size() != elements.length) {
                    throw new ModelFailureException("PyTorch model " + model + " returned " + elements.length
                            + " outputs but " + names.size() + " output names are configured: " + names);
                }
                for (int i = 0; i < elements.length; i++) {
                    requireTensor(elements[i], "element " + i);
                    named.put(names.isEmpty() ? "output" + i : names.get(i), elements[i].toTensor(manager));
                }
            } finally {
                Arrays.stream(elements).forEach(IValue::close);
            }
        } else if (result.isMap()) {
            Map<String, IValue> map = result.toIValueMap();
            try {
                for (Map.Entry<String, IValue> e : map.entrySet()) {
                    requireTensor(e.getValue(), "key '" + e.getKey() + "'");
                    named.put(e.getKey(), e.getValue().toTensor(manager));
                }
            } finally {
                map.values().forEach(IValue::close);
            }
        } else {
            throw new ModelFailureException("PyTorch model " + model + " returned a " + result.getType()
                    + ": the adapter takes a tensor, or a tuple, list or dict of tensors");
        }
    }

    private void requireTensor(IValue value, String where) throws ModelFailureException {
        if (!value.isTensor()) {
            throw new ModelFailureException("PyTorch model " + model + " returned a " + value.getType() + " at "
                    + where + " of its output: the adapter takes tensors only");
        }
    }

    private Tensor[] slice(String name, NDArray array, int rows) throws ModelFailureException {
        long[] shape = array.getShape().getShape();
        if (shape.length == 0 || shape[0] != rows) {
            throw new ModelFailureException("PyTorch model " + model + " returned output '" + name + "' of shape "
                    + Arrays.toString(shape) + " for a batch of " + rows + ": its first dimension must be the batch");
        }
        long[] rowShape = Arrays.copyOfRange(shape, 1, shape.length);
        int per = Math.toIntExact(Tensor.elementCount(rowShape));
        Tensor[] out = new Tensor[rows];
        switch (array.getDataType()) {
            case FLOAT64: {
                double[] all = array.toDoubleArray();
                for (int r = 0; r < rows; r++) {
                    out[r] = Tensor.ofDoubles(Arrays.copyOfRange(all, r * per, (r + 1) * per), rowShape);
                }
                return out;
            }
            case INT64: {
                long[] all = array.toLongArray();
                for (int r = 0; r < rows; r++) {
                    out[r] = Tensor.ofLongs(Arrays.copyOfRange(all, r * per, (r + 1) * per), rowShape);
                }
                return out;
            }
            case INT32: {
                int[] all = array.toIntArray();
                for (int r = 0; r < rows; r++) {
                    out[r] = Tensor.ofInts(Arrays.copyOfRange(all, r * per, (r + 1) * per), rowShape);
                }
                return out;
            }
            case BOOLEAN: {
                boolean[] all = array.toBooleanArray();
                for (int r = 0; r < rows; r++) {
                    out[r] = Tensor.ofBooleans(Arrays.copyOfRange(all, r * per, (r + 1) * per), rowShape);
                }
                return out;
            }
            default: {
                NDArray floats = array.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32 ? array
                        : array.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                float[] all = floats.toFloatArray();
                for (int r = 0; r < rows; r++) {
                    out[r] = Tensor.ofFloats(Arrays.copyOfRange(all, r * per, (r + 1) * per), rowShape);
                }
                return out;
            }
        }
    }
}
