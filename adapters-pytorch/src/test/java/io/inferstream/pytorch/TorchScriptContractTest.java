package io.inferstream.pytorch;

import io.inferstream.model.ModelSource;
import io.inferstream.pytorch.fixtures.TorchScriptFixtures;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.file.Path;
import java.util.Map;

/**
 * The cross-framework contract for PyTorch: the {@link io.inferstream.sandbox.models.ReferenceClassifier} as a
 * traced TorchScript module ({@code softmax(Linear(4, 3))} with the reference's W and b) saved by PyTorch 1.13
 * ({@code reference.pt}, see {@code make_torchscript_fixtures.py}), its input shape saved inside the file; in process
 * and through the engine on a real broker. The engine joins f0..f3 into its {@code features} input.
 */
class TorchScriptContractTest extends ModelContractTest {
    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        return ModelSource.of(TorchScriptFixtures.copyTo("reference.pt", dir));
    }

    @Override
    protected Map<String, String> engineProperties() {
        return Map.of("input.concat.features", "f0,f1,f2,f3", "model.class.labels", "low,mid,high");
    }
}
