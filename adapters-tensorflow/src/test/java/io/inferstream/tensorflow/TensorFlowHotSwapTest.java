package io.inferstream.tensorflow;

import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import io.inferstream.testkit.contract.HotSwapContractTest;
import java.nio.file.Path;

/** Hot swap of TensorFlow SavedModels exported by TF Java, published as folders (zipped by the publisher). */
class TensorFlowHotSwapTest extends HotSwapContractTest {
    @Override
    protected Path writeNetwork(DenseNetwork network, Path dir) throws Exception {
        return SavedModelFixtures.denseNetwork(network, dir.resolve("saved_model"));
    }

    @Override
    protected String format() {
        return TensorFlowModelLoader.FORMAT;
    }
}
