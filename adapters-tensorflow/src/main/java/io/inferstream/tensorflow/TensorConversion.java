package io.inferstream.tensorflow;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InputBatch;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelFailureException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffer;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Moves data between the neutral types and TensorFlow tensors: a field of a whole batch becomes one
 * {@code [batch, ...shape]} tensor (stacked by {@link InputBatch}, so every tensor adapter applies the same
 * coercion rules), and an output tensor is split back into one neutral {@link Tensor} per record.
 *
 * <p>Each method copies once between a Java array and native memory; the caller owns and must close every
 * TensorFlow tensor returned here.
 *
 * <p>Thread safety: stateless, safe to share.
 */
final class TensorConversion {
    private TensorConversion() {
    }

    /** @return a new TensorFlow tensor holding field {@code spec} of every row; the caller closes it. */
    static org.tensorflow.Tensor toTensorFlow(List<Features> batch, FieldSpec spec) throws InvalidInputException {
        Shape shape = Shape.of(InputBatch.batchShape(batch, spec));
        checkDeclaredShape(spec, shape);
        switch (spec.type()) {
            case FLOAT:
                return TFloat32.tensorOf(shape, DataBuffers.of(InputBatch.floats(batch, spec), true, false));
            case DOUBLE:
                return TFloat64.tensorOf(shape, DataBuffers.of(InputBatch.doubles(batch, spec), true, false));
            case INT32:
                return TInt32.tensorOf(shape, DataBuffers.of(InputBatch.ints(batch, spec), true, false));
            case INT64:
                return TInt64.tensorOf(shape, DataBuffers.of(InputBatch.longs(batch, spec), true, false));
            case BOOL:
                return TBool.tensorOf(shape, DataBuffers.of(InputBatch.booleans(batch, spec), true, false));
            case STRING:
            case BYTES:
                // A TF string is bytes: JSON strings go in as UTF-8, {"b64": ...} values as they are.
                return TString.tensorOfBytes(shape, DataBuffers.of(InputBatch.bytes(batch, spec), true, false));
            default:
                throw new IllegalStateException("no TensorFlow dtype for " + spec.type());
        }
    }

    /** @return a new {@code [n]} string tensor of the given bytes; the caller closes it. */
    static org.tensorflow.Tensor stringVector(byte[][] values) {
        return TString.tensorOfBytes(Shape.of(values.length), DataBuffers.of(values, true, false));
    }

    /**
     * With an unknown dimension the batch shape is taken from the first row's own shape; a row shaped
     * {@code [2, 4]} for a declared {@code [-1, 3]} must be rejected here, as that row's fault, rather than
     * fail the whole native call. (Element counts of the other rows are checked by {@link InputBatch}.)
     */
    private static void checkDeclaredShape(FieldSpec spec, Shape shape) throws InvalidInputException {
        long[] declared = spec.shape();
        for (int i = 0; i < declared.length; i++) {
            if (declared[i] >= 0 && shape.get(i + 1) != declared[i]) {
                throw new InvalidInputException(0, spec.name(), "has shape " + shape.tail() + " which does not fit"
                        + " the declared " + spec.typeAndShape(), null);
            }
        }
    }

    /**
     * Splits a {@code [batch, ...]} output tensor into one neutral tensor per record.
     *
     * @throws ModelFailureException if the output's leading dimension is not the batch size
     */
    static Tensor[] perRecord(String model, FieldSpec spec, org.tensorflow.Tensor t, int batchSize)
            throws ModelFailureException {
        long[] dims = t.shape().asArray();
        if (dims.length == 0 || dims[0] != batchSize) {
            throw new ModelFailureException("TensorFlow model " + model + ": output '" + spec.name() + "' has shape "
                    + Arrays.toString(dims) + " for a batch of " + batchSize + " records");
        }
        long[] rowShape = Arrays.copyOfRange(dims, 1, dims.length);
        int total = Math.toIntExact(t.shape().size());
        int n = batchSize == 0 ? 0 : total / batchSize;
        Tensor[] out = new Tensor[batchSize];
        switch (spec.type()) {
            case FLOAT: {
                float[] all = new float[total];
                ((TFloat32) t).copyTo(DataBuffers.of(all, false, false));
                for (int r = 0; r < batchSize; r++) {
                    out[r] = Tensor.ofFloats(Arrays.copyOfRange(all, r * n, (r + 1) * n), rowShape);
                }
                return out;
            }
            case DOUBLE: {
                double[] all = new double[total];
                ((TFloat64) t).copyTo(DataBuffers.of(all, false, false));
                for (int r = 0; r < batchSize; r++) {
                    out[r] = Tensor.ofDoubles(Arrays.copyOfRange(all, r * n, (r + 1) * n), rowShape);
                }
                return out;
            }
            case INT32: {
                int[] all = new int[total];
                ((TInt32) t).copyTo(DataBuffers.of(all, false, false));
                for (int r = 0; r < batchSize; r++) {
                    out[r] = Tensor.ofInts(Arrays.copyOfRange(all, r * n, (r + 1) * n), rowShape);
                }
                return out;
            }
            case INT64: {
                long[] all = new long[total];
                ((TInt64) t).copyTo(DataBuffers.of(all, false, false));
                for (int r = 0; r < batchSize; r++) {
                    out[r] = Tensor.ofLongs(Arrays.copyOfRange(all, r * n, (r + 1) * n), rowShape);
                }
                return out;
            }
            case BOOL: {
                boolean[] all = new boolean[total];
                ((TBool) t).copyTo(DataBuffers.of(all, false, false));
                for (int r = 0; r < batchSize; r++) {
                    out[r] = Tensor.ofBooleans(Arrays.copyOfRange(all, r * n, (r + 1) * n), rowShape);
                }
                return out;
            }
            case STRING: {
                DataBuffer<byte[]> all = DataBuffers.ofObjects(byte[].class, total);
                ((TString) t).asBytes().copyTo(all);
                for (int r = 0; r < batchSize; r++) {
                    String[] row = new String[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = new String(all.getObject((long) r * n + i), StandardCharsets.UTF_8);
                    }
                    out[r] = Tensor.ofStrings(row, rowShape);
                }
                return out;
            }
            default:
                throw new IllegalStateException("no neutral type for " + spec.type());
        }
    }

    /** @return the neutral type a TensorFlow tensor actually holds, for checking an output against its spec. */
    static DataType typeOf(org.tensorflow.Tensor t) {
        switch (t.dataType()) {
            case DT_FLOAT: return DataType.FLOAT;
            case DT_DOUBLE: return DataType.DOUBLE;
            case DT_INT32: return DataType.INT32;
            case DT_INT64: return DataType.INT64;
            case DT_BOOL: return DataType.BOOL;
            case DT_STRING: return DataType.STRING;
            default: return null;
        }
    }
}
