package io.inferstream.pmml;

import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.file.Path;

/**
 * The cross-framework contract for PMML: the reference classifier as a softmax RegressionModel, found by the
 * registry from its {@code .pmml} name, scored in process and through the real engine on a real broker. PMML needs
 * no engine properties: f0..f3 are its own input fields, and the label and class probabilities come from the
 * document's target. The weights are exact decimals and JPMML computes in double, hence the default 1e-5.
 */
class PmmlContractTest extends ModelContractTest {

    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        return ModelSource.of(PmmlFixtures.write(dir, "reference.pmml", PmmlFixtures.referenceClassifier()));
    }
}
