package io.inferstream.onnx;

import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The cross-framework contract for the plain ONNX tensor classifier: the engine joins f0..f3 into the model's
 * {@code features} input and names its probability vector's classes from {@code model.class.labels}.
 */
class OnnxContractTest extends ModelContractTest {

    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        Path file = dir.resolve("reference.onnx");
        Files.write(file, OnnxModelWriter.referenceClassifier());
        return ModelSource.of(file);
    }

    @Override
    protected Map<String, String> engineProperties() {
        return Map.of("input.concat.features", "f0,f1,f2,f3", "model.class.labels", "low,mid,high");
    }
}
