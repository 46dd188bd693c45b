package io.inferstream.pytorch;

import io.inferstream.pytorch.fixtures.TorchScriptFixtures;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.contract.HotSwapContractTest;
import java.nio.file.Path;

/**
 * The hot-swap contract for PyTorch: each version is PyTorch 1.13's scripted dense module with the version's weights
 * in its stored tensors ({@link TorchScriptFixtures#denseNetwork}), so every prediction is checked against the
 * plain-Java forward pass of the version it carries.
 */
class TorchScriptHotSwapTest extends HotSwapContractTest {
    @Override
    protected Path writeNetwork(DenseNetwork network, Path dir) throws Exception {
        return TorchScriptFixtures.denseNetwork(network, dir.resolve("net.pt"));
    }

    @Override
    protected String format() {
        return TorchScriptLoader.FORMAT;
    }
}
