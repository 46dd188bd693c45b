package io.inferstream.pytorch;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InputBatch;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A TorchScript module behind the Model SPI. A batch is one {@code forward} call: each input is stacked into one
 * {@code [batch, ...shape]} tensor of its declared type (float32, float64 or int64), and every output tensor is split
 * back into one value per record ({@link TorchOutputs}).
 *
 * <p>An error raised inside {@code forward} (a TorchScript {@code raise}, a shape the module rejects) is reported as
 * a plain {@link InferenceException}: the scoring package then scores the batch's records one at a time, so only the
 * record(s) the module fails on are dead-lettered; only when every record fails is the model taken to be broken.
 *
 * <p>Thread safety: as {@link ModelInfo#threadSafe()} says (option {@code thread.safe}, default true: libtorch runs a
 * loaded module's {@code forward} from several threads at once). Each calling thread is set once to the configured
 * intra-op thread count and to no-gradient mode, both of which libtorch keeps per thread. {@link #close()} frees the
 * module once, after calls in flight; predicting afterwards fails with a {@link ModelFailureException}.
 */
public final class TorchScriptModel implements Model {
    private final PtNDManager manager;
    private final PtSymbolBlock module;
    private final ModelInfo info;
    private final List<FieldSpec> inputs;
    private final TorchOutputs outputs;
    private final ThreadLocal<Boolean> threadReady;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    TorchScriptModel(PtNDManager manager, PtSymbolBlock module, ModelInfo info, TorchOutputs outputs, int threads) {
        this.manager = manager;
        this.module = module;
        this.info = info;
        this.inputs = info.inputs();
        this.outputs = outputs;
        this.threadReady = ThreadLocal.withInitial(() -> {
            JniUtils.setNumThreads(threads);
            JniUtils.setGradMode(false);
            return Boolean.TRUE;
        });
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public List<Prediction> predict(List<Features> batch) throws InferenceException {
        if (batch.isEmpty()) {
            return List.of();
        }
        // Inputs are read and checked before any native call, so a bad record is named by its index.
        List<Object> data = new ArrayList<>(inputs.size());
        List<long[]> shapes = new ArrayList<>(inputs.size());
        for (FieldSpec spec : inputs) {
            shapes.add(InputBatch.batchShape(batch, spec));
            data.add(switch (spec.type()) {
                case DOUBLE -> InputBatch.doubles(batch, spec);
                case INT64 -> InputBatch.longs(batch, spec);
                default -> InputBatch.floats(batch, spec);
            });
        }
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new ModelFailureException("PyTorch model " + info.name() + " is closed");
            }
            threadReady.get();
            return run(batch.size(), data, shapes);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    private List<Prediction> run(int rows, List<Object> data, List<long[]> shapes) throws InferenceException {
        try (PtNDManager call = (PtNDManager) manager.newSubManager()) {
            IValue[] arguments = new IValue[data.size()];
            try {
                for (int i = 0; i < arguments.length; i++) {
                    arguments[i] = IValue.from((PtNDArray) array(call, data.get(i), new Shape(shapes.get(i))));
                }
                IValue result;
                try {
                    result = IValueUtils.forward(module, arguments);
                } catch (EngineException e) {
                    throw new InferenceException("PyTorch model " + info.name() + " raised in forward on a batch of "
                            + rows + ": " + raisedReason(e.getMessage()), e);
                }
                try {
                    List<Prediction> out = new ArrayList<>(rows);
                    for (Map<String, Tensor> row : outputs.split(result, rows, call)) {
                        out.add(Prediction.of(row));
                    }
                    return out;
                } finally {
                    result.close();
                }
            } finally {
                for (IValue argument : arguments) {
                    if (argument != null) {
                        argument.close();
                    }
                }
            }
        } catch (EngineException e) {
            throw new ModelFailureException("PyTorch model " + info.name() + " failed a batch of " + rows + ": "
                    + firstLine(e.getMessage()), e);
        }
    }

    private static NDArray array(PtNDManager call, Object data, Shape shape) {
        if (data instanceof double[] d) {
            return call.create(d, shape);
        }
        if (data instanceof long[] l) {
            return call.create(l, shape);
        }
        return call.create((float[]) data, shape);
    }

    /**
     * libtorch reports an error raised in TorchScript as "The following operation failed in the TorchScript
     * interpreter.", a traceback, then the error itself on the last line: that line is the reason worth dead-lettering.
     */
    static String raisedReason(String message) {
        if (message == null || message.isBlank()) {
            return "(no message)";
        }
        String[] lines = message.strip().split("\n");
        String last = lines[lines.length - 1].strip();
        return lines.length == 1 ? last : last + " (" + lines[0].strip() + ")";
    }

    /** libtorch's messages carry the TorchScript traceback after the first line; the first says what happened. */
    static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        String m = message.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                module.close();
                manager.close();
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return info.toString();
    }
}
