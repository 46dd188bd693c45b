package io.inferstream.lightgbm;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.tabular.FeatureColumns;
import io.inferstream.model.tabular.MatrixModel;
import java.io.IOException;
import java.util.List;

/**
 * A LightGBM booster behind the Model SPI. A batch is one {@code LGBM_BoosterPredictForMat} call on a dense
 * row-major {@code double[]} (doubles, so a value meets each split threshold exactly as in LightGBM's own
 * double-precision path; LightGBM's normal prediction: the objective's transform applied by LightGBM). The
 * batch-to-matrix rules and the lifecycle are {@link MatrixModel}'s and {@link FeatureColumns}'s, shared with the
 * XGBoost adapter.
 *
 * <p>Thread safety: thread-safe. LightGBM's C API predicts under a shared lock with a predictor per call, and
 * {@link NativeBooster} allocates its native buffers per call; the engine shares one instance between workers.
 * {@link #close()} waits for calls in flight, frees the native booster once; predicting afterwards fails with a
 * {@link ModelFailureException}.
 */
public final class LightGbmModel extends MatrixModel<double[], double[]> {
    private final NativeBooster booster;
    private final FeatureColumns inputs;
    private final LightGbmOutputs outputs;
    private final String parameters;

    LightGbmModel(NativeBooster booster, ModelInfo info, FeatureColumns inputs, LightGbmOutputs outputs, int threads) {
        super(info);
        this.booster = booster;
        this.inputs = inputs;
        this.outputs = outputs;
        this.parameters = "num_threads=" + threads;
    }

    /** @return the class labels in class-index order, or null when the model is not a classifier. */
    public List<String> classLabels() {
        return outputs.classLabels();
    }

    @Override
    protected double[] matrix(List<Features> batch) throws InferenceException {
        return inputs.doubles(batch);
    }

    @Override
    protected double[] score(double[] data, int rows) throws IOException, ModelFailureException {
        double[] raw = booster.predict(data, rows, inputs.width(), parameters);
        if (raw.length != rows * outputs.valuesPerRow()) {
            throw new ModelFailureException("model " + info().name() + " returned " + raw.length + " values for "
                    + rows + " rows, expected " + outputs.valuesPerRow() + " per row");
        }
        return raw;
    }

    @Override
    protected Prediction prediction(double[] raw, int row) {
        return outputs.toPrediction(raw, row);
    }

    @Override
    protected void free() {
        booster.free();
    }
}
