package io.inferstream.dl4j;

import io.inferstream.model.ModelSource;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.file.Path;
import java.util.Map;

/**
 * The cross-framework contract for a Keras Sequential model without an InputLayer: records reach it under the
 * input name Keras gives it, {@code probs_input} (its first layer is {@code probs}), on a real broker, so a user
 * configures the engine with the names Keras and TF Serving show for the same model.
 */
class KerasSequentialContractTest extends ModelContractTest {
    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        return ModelSource.of(KerasModelLoaderTest.fixture("reference_sequential.h5", dir));
    }

    @Override
    protected Map<String, String> engineProperties() {
        return Map.of("input.concat.probs_input", "f0,f1,f2,f3", "model.class.labels", "low,mid,high");
    }
}
