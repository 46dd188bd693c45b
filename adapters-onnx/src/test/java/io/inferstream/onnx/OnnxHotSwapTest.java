package io.inferstream.onnx;

import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.contract.HotSwapContractTest;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hot swap of ONNX models written with the ONNX protobuf layout. */
class OnnxHotSwapTest extends HotSwapContractTest {
    @Override
    protected Path writeNetwork(DenseNetwork network, Path dir) throws Exception {
        return Files.write(Files.createDirectories(dir).resolve("net.onnx"), OnnxModelWriter.denseNetwork(network));
    }

    @Override
    protected String format() {
        return "onnx";
    }
}
