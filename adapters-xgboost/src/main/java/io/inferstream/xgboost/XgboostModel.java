package io.inferstream.xgboost;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * An XGBoost booster behind the Model SPI. A batch is one call to XGBoost's in-place prediction on a dense
 * row-major {@code float[]} (no {@code DMatrix} per batch), with NaN as the missing value and the iteration range
 * the loader chose (the recorded best iteration, or every tree); boosters without in-place prediction
 * ({@code gblinear}) go through a {@code DMatrix} made from the same array.
 *
 * <p>Thread safety: as {@link ModelInfo#threadSafe()} says: true for {@code gbtree} boosters, whose prediction
 * XGBoost documents as thread-safe since 1.4; false otherwise ({@code dart}, {@code gblinear}), and the engine then
 * gives each worker its own instance. The input buffer belongs to each {@link #predict} call. {@link #close()} frees
 * the native booster once; predicting afterwards fails with a {@link ModelFailureException}.
 */
public final class XgboostModel implements Model {
    private final Booster booster;
    private final ModelInfo info;
    private final XgboostInputs inputs;
    private final XgboostOutputs outputs;
    private final boolean inPlace;
    private final int[] iterationRange;
    private final Booster.PredictionType predictionType;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed;

    /**
     * @param inPlace whether the booster supports in-place prediction (gbtree does, gblinear does not)
     * @param rounds the boosting rounds to score with, 0 for all (in-place prediction only)
     */
    XgboostModel(Booster booster, ModelInfo info, XgboostInputs inputs, XgboostOutputs outputs, boolean inPlace,
            int rounds) {
        this.booster = booster;
        this.inPlace = inPlace;
        this.info = info;
        this.inputs = inputs;
        this.outputs = outputs;
        this.iterationRange = new int[] {0, rounds};
        this.predictionType = outputs.kind().wantsMargins() ? Booster.PredictionType.kMargin
                : Booster.PredictionType.kValue;
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
        float[] data = new float[batch.size() * width];
        for (int i = 0; i < batch.size(); i++) {
            inputs.encode(batch.get(i), i, data, i * width);
        }
        float[][] raw;
        // The read lock keeps close() from freeing the native booster under a call in flight; calls on a
        // thread-safe booster share it and do not wait for each other.
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new ModelFailureException("model " + info.name() + " is closed");
            }
            raw = inPlace ? booster.inplace_predict(data, batch.size(), width, Float.NaN, iterationRange, predictionType,
                    null) : predictThroughMatrix(data, batch.size(), width);
        } catch (XGBoostError | RuntimeException e) {
            // Inputs are checked, so a failure here is the booster's own (a damaged model, or one XGBoost cannot run).
            throw new ModelFailureException("model " + info.name() + " failed a batch of " + batch.size() + ": " + e, e);
        } finally {
            lifecycle.readLock().unlock();
        }
        List<Prediction> result = new ArrayList<>(batch.size());
        for (float[] row : raw) {
            result.add(outputs.toPrediction(row));
        }
        return result;
    }

    /** gblinear (and any booster without in-place prediction) scores through a DMatrix, freed straight after. */
    private float[][] predictThroughMatrix(float[] data, int rows, int width) throws XGBoostError {
        DMatrix matrix = new DMatrix(data, rows, width, Float.NaN);
        try {
            return booster.predict(matrix, predictionType == Booster.PredictionType.kMargin, 0);
        } finally {
            matrix.dispose();
        }
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                booster.dispose();
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
