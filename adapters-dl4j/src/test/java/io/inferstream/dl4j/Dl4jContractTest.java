package io.inferstream.dl4j;

import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.model.ModelSource;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The cross-framework contract for a DL4J ModelSerializer zip: the ReferenceClassifier as a MultiLayerNetwork
 * with its exact weights, found by the registry's sniffing, fed the four scalar fields joined into its one input.
 */
class Dl4jContractTest extends ModelContractTest {
    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        MultiLayerNetwork net = Dl4jFixtures.referenceClassifier();
        try {
            return ModelSource.of(Dl4jFixtures.save(net, dir.resolve("reference.zip")));
        } finally {
            net.close();
        }
    }

    @Override
    protected Map<String, String> engineProperties() {
        return Map.of("input.concat.input", "f0,f1,f2,f3", "model.class.labels", "low,mid,high");
    }
}
