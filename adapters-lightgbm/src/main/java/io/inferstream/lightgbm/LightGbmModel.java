package io.inferstream.lightgbm;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A LightGBM booster behind the Model SPI. A batch is one {@code LGBM_BoosterPredictForMat} call on a dense
 * row-major {@code double[]} (LightGBM's normal prediction: the objective's transform applied by LightGBM).
 *
 * <p>Thread safety: thread-safe. LightGBM's C API predicts under a shared lock with a predictor per call, and
 * {@link NativeBooster} allocates its native buffers per call; the engine shares one instance between workers. The input
 * buffer belongs to each {@link #predict} call. {@link #close()} waits for calls in flight, frees the native
 * booster once; predicting afterwards fails with a {@link ModelFailureException}.
 */
public final class LightGbmModel implements Model {
    private final NativeBooster booster;
    private final ModelInfo info;
    private final LightGbmInputs inputs;
    private final LightGbmOutputs outputs;
    private final String parameters;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    LightGbmModel(NativeBooster booster, ModelInfo info, LightGbmInputs inputs, LightGbmOutputs outputs, int threads) {
        this.booster = booster;
        this.info = info;
        this.inputs = inputs;
        this.outputs = outputs;
        this.parameters = "num_threads=" + threads;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    /** @return the class labels in class-index order, or null when the model is not a classifier. */
    public List<String> classLabels() {
        return outputs.classLabels();
    }

    @Override
    public List<Prediction> predict(List<Features> batch) throws InferenceException {
        if (batch.isEmpty()) {
            return List.of();
        }
        int width = inputs.width();
        double[] data = new double[batch.size() * width];
        for (int i = 0; i < batch.size(); i++) {
            inputs.encode(batch.get(i), i, data, i * width);
        }
        double[] raw;
        lifecycle.readLock().lock(); // keeps close() from freeing the booster under a call in flight
        try {
            if (closed) {
                throw new ModelFailureException("model " + info.name() + " is closed");
            }
            raw = booster.predict(data, batch.size(), width, parameters);
        } catch (IOException | RuntimeException e) {
            // Inputs are checked, so a failure here is LightGBM's own.
            throw new ModelFailureException("model " + info.name() + " failed a batch of " + batch.size() + ": " + e, e);
        } finally {
            lifecycle.readLock().unlock();
        }
        if (raw.length != batch.size() * outputs.valuesPerRow()) {
            throw new ModelFailureException("model " + info.name() + " returned " + raw.length + " values for "
                    + batch.size() + " rows, expected " + outputs.valuesPerRow() + " per row");
        }
        List<Prediction> result = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            result.add(outputs.toPrediction(raw, i));
        }
        return result;
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                booster.free();
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
