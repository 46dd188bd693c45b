package io.inferstream.tensorflow;

import io.inferstream.config.EngineConfig;
import io.inferstream.model.ModelSource;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.file.Path;
import java.util.Map;

/**
 * The cross-framework contract for TensorFlow: the reference classifier as a SavedModel made by TF Java, fed the
 * scalar fields f0..f3 joined into its {@code features} input, labelled low/mid/high by the engine, scored in
 * process and through the real engine on a real Kafka broker; exact weights, so the tolerance is 1e-5.
 */
class TensorFlowContractTest extends ModelContractTest {
    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        return ModelSource.of(SavedModelFixtures.referenceClassifier(dir.resolve("reference-classifier")));
    }

    @Override
    protected String format() {
        return TensorFlowModelLoader.FORMAT;
    }

    @Override
    protected Map<String, String> engineProperties() {
        return Map.of(EngineConfig.INPUT_CONCAT_PREFIX + "features", "f0,f1,f2,f3",
                EngineConfig.MODEL_CLASS_LABELS, "low,mid,high");
    }
}
