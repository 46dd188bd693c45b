package io.inferstream.model.tabular;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A booster that scores a batch as one native call on a dense feature matrix: the batch is read into the matrix
 * first (so a bad record is rejected by its index before any native call), the booster scores it, and its raw result
 * becomes one prediction per record. Subclasses supply only their library's calls: {@link #matrix}, {@link #score},
 * {@link #prediction} and {@link #free}.
 *
 * <p>A failure inside {@link #score} is the booster's own (the inputs are checked): it is reported as a
 * {@link ModelFailureException} naming the model and the batch size, unless the subclass already threw an
 * {@link InferenceException} of a more precise kind.
 *
 * <p>Thread safety: {@link #predict} calls run {@link #score} concurrently under a shared lock; {@link #close()} takes
 * it exclusively, so the native booster is freed once, after the calls in flight, and a call afterwards fails with a
 * {@link ModelFailureException}. Whether the engine shares one instance between workers is {@link ModelInfo#threadSafe()}.
 *
 * @param <M> the matrix type ({@code float[]} or {@code double[]})
 * @param <R> the booster's raw result for a batch
 */
public abstract class MatrixModel<M, R> implements Model {
    private final ModelInfo info;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    /** @param info what {@link #info()} reports */
    protected MatrixModel(ModelInfo info) {
        this.info = info;
    }

    /**
     * @return the batch as the booster's matrix, one row per record
     * @throws InferenceException an {@link io.inferstream.model.InvalidInputException} naming a bad record
     */
    protected abstract M matrix(List<Features> batch) throws InferenceException;

    /** Scores {@code rows} rows of {@code matrix} in one native call; runs concurrently with other calls. */
    protected abstract R score(M matrix, int rows) throws Exception;

    /** @return record {@code row}'s prediction, read from the batch's raw result */
    protected abstract Prediction prediction(R raw, int row);

    /** Frees the native booster; called once, with no {@link #score} call in flight. */
    protected abstract void free();

    @Override
    public final ModelInfo info() {
        return info;
    }

    @Override
    public final List<Prediction> predict(List<Features> batch) throws InferenceException {
        if (batch.isEmpty()) {
            return List.of();
        }
        M matrix = matrix(batch);
        R raw;
        lifecycle.readLock().lock(); // keeps close() from freeing the booster under a call in flight
        try {
            if (closed) {
                throw new ModelFailureException("model " + info.name() + " is closed");
            }
            raw = score(matrix, batch.size());
        } catch (InferenceException e) {
            throw e;
        } catch (Exception e) {
            throw new ModelFailureException("model " + info.name() + " failed a batch of " + batch.size() + ": " + e, e);
        } finally {
            lifecycle.readLock().unlock();
        }
        List<Prediction> result = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            result.add(prediction(raw, i));
        }
        return result;
    }

    @Override
    public final void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                free();
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
