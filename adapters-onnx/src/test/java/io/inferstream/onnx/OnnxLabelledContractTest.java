package io.inferstream.onnx;

import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.file.Path;
import java.util.Map;

/**
 * The cross-framework contract for an ONNX classifier shaped like a converted scikit-learn model
 * (LinearClassifier + ZipMap): the labels and their order come from the model itself, with no
 * {@code model.class.labels}; the model is given as bytes, with no file name extension to go by.
 */
class OnnxLabelledContractTest extends ModelContractTest {

    @Override
    protected ModelSource writeContractModel(Path dir) {
        return ModelSource.of(OnnxModelWriter.labelledReferenceClassifier(), "labelled-classifier");
    }

    @Override
    protected Map<String, String> engineProperties() {
        return Map.of("input.concat.features", "f0,f1,f2,f3");
    }
}
