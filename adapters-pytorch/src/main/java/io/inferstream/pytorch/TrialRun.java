package io.inferstream.pytorch;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelLoadException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds a TorchScript module's outputs (names, types, per-record shapes), which the file does not declare, by
 * scoring one record of zeros at load time. This also proves, before the first real record, that the module runs
 * under this libtorch with the declared inputs.
 *
 * <p>Thread safety: stateless.
 */
final class TrialRun {
    private TrialRun() {
    }

    /**
     * @return the outputs, or null when an input's shape is not fixed (no record of zeros can be made) or when the
     *     module refuses zeros (a module may raise on them; its real records decide)
     * @throws ModelLoadException if the module answers zeros with something the adapter cannot serve
     */
    static List<FieldSpec> outputs(TorchScriptModel probe, List<FieldSpec> inputs) throws ModelLoadException {
        Features.Builder zeros = Features.builder();
        for (FieldSpec spec : inputs) {
            if (!spec.isFixedShape()) {
                return null;
            }
            int n = Math.toIntExact(spec.elementCount());
            zeros.put(spec.name(), switch (spec.type()) {
                case DOUBLE -> Tensor.ofDoubles(new double[n], spec.shape());
                case INT64 -> Tensor.ofLongs(new long[n], spec.shape());
                default -> Tensor.ofFloats(new float[n], spec.shape());
            });
        }
        Prediction prediction;
        try {
            prediction = probe.predict(List.of(zeros.build())).get(0);
        } catch (ModelFailureException e) {
            throw new ModelLoadException(e.getMessage(), e);
        } catch (InferenceException e) {
            return null;
        }
        List<FieldSpec> outputs = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : prediction.outputs().entrySet()) {
            outputs.add(FieldSpec.tensor(e.getKey(), e.getValue().type(), e.getValue().shape()));
        }
        return outputs;
    }

}
