package io.inferstream.dl4j;

import io.inferstream.model.ModelSource;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.file.Path;
import java.util.Map;

/**
 * The cross-framework contract for a Keras HDF5 model: the functional two-input version of the
 * ReferenceClassifier ({@code a} = f0, f1 and {@code b} = f2, f3), so the engine maps fields to a multi-input
 * graph by input name.
 */
class KerasContractTest extends ModelContractTest {
    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        return ModelSource.of(KerasModelLoaderTest.fixture("reference_functional.h5", dir));
    }

    @Override
    protected Map<String, String> engineProperties() {
        return Map.of("input.concat.a", "f0,f1", "input.concat.b", "f2,f3", "model.class.labels", "low,mid,high");
    }
}
