package io.inferstream.model;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A base for adapters that keeps the rules every model follows in one place: {@link #info()} is the
 * {@link ModelInfo} given at construction; an empty batch returns an empty list without a framework call; a call
 * after {@link #close()} fails with a {@link ModelFailureException} that names the model; and {@link #close()}
 * releases the framework's resources once, however often it is called. A subclass scores non-empty batches in
 * {@link #score} and frees what it holds in {@link #release}.
 *
 * <p>{@link io.inferstream.model.tabular.MatrixModel}, TensorFlow's and PyTorch's models do not use this base: they
 * take a lock around each native call so that {@code close()} waits for a call in flight, which this base does not
 * do (the engine never closes a model under a call, as {@link Model#close()} requires).
 *
 * <p>Thread safety: this base adds no state but the closed flag, which is safe to read and set from any thread;
 * whether {@link #score} may run concurrently is the subclass's to say, in {@link ModelInfo#threadSafe()}.
 */
public abstract class AbstractModel implements Model {
    private final ModelInfo info;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** @param info what {@link #info()} reports */
    protected AbstractModel(ModelInfo info) {
        this.info = Objects.requireNonNull(info, "info");
    }

    @Override
    public final ModelInfo info() {
        return info;
    }

    @Override
    public final List<Prediction> predict(List<Features> batch) throws InferenceException {
        if (closed.get()) {
            throw new ModelFailureException(description() + " is closed");
        }
        return batch.isEmpty() ? List.of() : score(batch);
    }

    /**
     * Scores a batch; called only while the model is open.
     *
     * @param batch the input rows; never empty
     * @return one prediction per row, in the same order
     * @throws InferenceException of the kinds {@link Model#predict} describes
     */
    protected abstract List<Prediction> score(List<Features> batch) throws InferenceException;

    /** @return how errors name this model, e.g. "ONNX model churn"; "model" and its name unless overridden */
    protected String description() {
        return "model " + info.name();
    }

    /** Marks the model closed, then calls {@link #release} the first time only. */
    @Override
    public final void close() {
        if (closed.compareAndSet(false, true)) {
            release();
        }
    }

    /** Frees the framework's native memory, files or connections; called once. Logs problems and never throws. */
    protected void release() {
    }

    /** @return the model's {@link ModelInfo}, as text */
    @Override
    public String toString() {
        return info.toString();
    }
}
