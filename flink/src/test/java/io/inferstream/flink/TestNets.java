package io.inferstream.flink;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.ForwardingModel;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The tests' model: a real ONNX network written by the sandbox, scored by the real ONNX adapter, and checked
 * against {@link DenseNetwork#forward}, an independent plain-Java computation.
 *
 * <p>Thread safety: the call log is a concurrent queue; the rest is immutable.
 */
final class TestNets {
    static final DenseNetwork NET = DenseNetwork.random(12, 8, 4, 7);
    /** Batch sizes of every model call made through {@link #counted}, in any test of this JVM. */
    static final Queue<Integer> CALLS = new ConcurrentLinkedQueue<>();

    private TestNets() {
    }

    /** Writes the network as an ONNX file under {@code dir}. */
    static Path write(Path dir) throws IOException {
        return Files.write(dir.resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET));
    }

    /** A deployment of the file whose model records each call's batch size in {@link #CALLS}. */
    static ModelDeployment counted(Path model) {
        String path = model.toString();
        return ModelDeployment.of("net", () -> new ForwardingModel(
                ModelRegistry.discover().load(ModelSource.of(Path.of(path)), null, Map.of())) {
            @Override
            public List<Prediction> predict(List<Features> batch) throws InferenceException {
                CALLS.add(batch.size());
                return super.predict(batch);
            }
        });
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** @return the JSON record of row {@code i} of {@code rows}. */
    static byte[] record(float[] row) {
        return utf8(DenseNetwork.toJson(row));
    }
}
