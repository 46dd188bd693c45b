package io.inferstream.xgboost;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.tabular.FeatureColumns;
import io.inferstream.model.tabular.MatrixModel;
import java.util.List;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * An XGBoost booster behind the Model SPI. A batch is one call to XGBoost's in-place prediction on a dense
 * row-major {@code float[]} (no {@code DMatrix} per batch), with NaN as the missing value and the iteration range
 * the loader chose (the recorded best iteration, or every tree); boosters without in-place prediction
 * ({@code gblinear}) go through a {@code DMatrix} made from the same array. The batch-to-matrix rules and the
 * lifecycle are {@link MatrixModel}'s and {@link FeatureColumns}'s, shared with the LightGBM adapter.
 *
 * <p>Thread safety: as {@link ModelInfo#threadSafe()} says: true for {@code gbtree} boosters, whose prediction
 * XGBoost documents as thread-safe since 1.4; false otherwise ({@code dart}, {@code gblinear}), and the engine then
 * gives each worker its own instance. {@link #close()} frees the native booster once, after calls in flight;
 * predicting afterwards fails with a {@link ModelFailureException}.
 */
public final class XgboostModel extends MatrixModel<float[], float[][]> {
    private final Booster booster;
    private final FeatureColumns inputs;
    private final XgboostOutputs outputs;
    private final boolean inPlace;
    private final int[] iterationRange;
    private final Booster.PredictionType predictionType;

    /**
     * @param inPlace whether the booster supports in-place prediction (gbtree does, gblinear does not)
     * @param rounds the boosting rounds to score with, 0 for all (in-place prediction only)
     */
    XgboostModel(Booster booster, ModelInfo info, FeatureColumns inputs, XgboostOutputs outputs, boolean inPlace,
            int rounds) {
        super(info);
        this.booster = booster;
        this.inPlace = inPlace;
        this.inputs = inputs;
        this.outputs = outputs;
        this.iterationRange = new int[] {0, rounds};
        this.predictionType = outputs.kind().wantsMargins() ? Booster.PredictionType.kMargin
                : Booster.PredictionType.kValue;
    }

    /** @return the class labels in class-index order, or null when the model is not a classifier. */
    public List<String> classLabels() {
        return outputs.classLabels();
    }

    @Override
    protected float[] matrix(List<Features> batch) throws InferenceException {
        return inputs.floats(batch);
    }

    @Override
    protected float[][] score(float[] data, int rows) throws XGBoostError {
        int width = inputs.width();
        return inPlace ? booster.inplace_predict(data, rows, width, Float.NaN, iterationRange, predictionType, null)
                : predictThroughMatrix(data, rows, width);
    }

    @Override
    protected Prediction prediction(float[][] raw, int row) {
        return outputs.toPrediction(raw[row]);
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
    protected void free() {
        booster.dispose();
    }
}
