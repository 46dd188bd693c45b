package io.inferstream.h2o;

import hex.genmodel.GenModel;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.AbstractModel;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An H2O MOJO behind the Model SPI.
 *
 * <p>A batch is scored in one pass with genmodel's raw entry point {@code GenModel.score0(double[] row,
 * double[] preds)}: each row is encoded into one reused {@code double[]} in the MOJO's own column order
 * (categorical levels as domain indices, see {@link MojoInputs}), so there is no per-row map as with
 * {@code EasyPredictModelWrapper}, and the results are the wrapper's. genmodel has no batch call: the MOJO is
 * plain Java with no per-call overhead, so one call per row inside this one pass is what a batch costs.
 *
 * <p>Thread safety: as {@link ModelInfo#threadSafe()} says, which is true for the MOJOs whose {@code score0}
 * keeps no state between calls (GBM, DRF, Isolation Forest, Extended Isolation Forest, GLM, K-Means) and false
 * for the rest (Deep Learning among them); the engine then gives each worker its own instance. The scoring
 * buffers belong to each {@link #predict} call, so concurrent calls on a thread-safe MOJO do not share them.
 * {@link #close()} only marks the model closed: a MOJO holds no native memory or files.
 */
public final class H2oMojoModel extends AbstractModel {
    private final GenModel mojo;
    private final MojoInputs inputs;
    private final MojoOutputs outputs;

    H2oMojoModel(GenModel mojo, ModelInfo info, MojoInputs inputs, MojoOutputs outputs) {
        super(info);
        this.mojo = mojo;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /** @return the class labels in the model's order, or null when the model is not a classifier. */
    public List<String> classLabels() {
        String[] labels = outputs.classLabels();
        return labels == null ? null : List.of(labels);
    }

    @Override
    protected List<Prediction> score(List<Features> batch) throws InferenceException {
        double[] raw = new double[inputs.width()];
        double[] preds = new double[mojo.getPredsSize()];
        boolean offset = inputs.hasOffset();
        List<Prediction> result = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            double offsetValue = inputs.encode(batch.get(i), i, raw);
            Arrays.fill(preds, 0);
            try {
                if (offset) {
                    mojo.score0(raw, offsetValue, preds);
                } else {
                    mojo.score0(raw, preds);
                }
            } catch (RuntimeException e) {
                // Inputs are already checked, so a failure here is the MOJO's own (a damaged or unsupported model).
                throw new ModelFailureException(description() + " failed scoring record " + i + ": " + e, e);
            }
            result.add(outputs.toPrediction(preds));
        }
        return result;
    }
}
