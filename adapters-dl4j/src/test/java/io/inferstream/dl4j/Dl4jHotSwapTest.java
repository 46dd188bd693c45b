package io.inferstream.dl4j;

import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.contract.HotSwapContractTest;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hot swap of DL4J networks saved by ModelSerializer; not thread-safe, so each worker gets its own instance. */
class Dl4jHotSwapTest extends HotSwapContractTest {
    @Override
    protected Path writeNetwork(DenseNetwork network, Path dir) throws Exception {
        return Dl4jFixtures.writeDenseNetwork(network, Files.createDirectories(dir).resolve("net.zip"));
    }

    @Override
    protected String format() {
        return "dl4j";
    }

    @Override
    protected String outputName() {
        return "probs";
    }
}
