package io.inferstream.bench;

import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.lightgbm.fixtures.LightGbmFixtures;
import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.pytorch.fixtures.TorchScriptFixtures;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import io.inferstream.xgboost.fixtures.XgboostFixtures;
import java.nio.file.Path;
import java.util.List;

/**
 * One row of the benchmark: a model made by its own framework, the payload its records carry, and how to load it.
 * The four neural networks are the very same 784→35→10 network ({@link DenseNetwork#mnistSized()}), so their rows
 * compare frameworks, not models.
 *
 * <p>Thread safety: immutable.
 */
final class BenchSubject {
    /** Records of 784 floats, {@code {"input": [...]}}, about 8.4 KB of JSON. */
    static final String IMAGES = "images";
    /** The same 784 values as raw little-endian float32 (3,136 bytes), {@code input.codec=float32}: nothing to parse. */
    static final String FLOATS = "float32";
    /** Records of ten numbers, {@code {"f0": .., ..., "f9": ..}}, about 200 bytes of JSON. */
    static final String TABULAR = "tabular";

    /** Writes the model under a scratch folder and says where it is. */
    @FunctionalInterface
    interface Maker {
        ModelSource make(Path dir) throws Exception;
    }

    final String name;
    final String format;
    final String description;
    final String payload;
    final Maker maker;

    private BenchSubject(String name, String description, String payload, Maker maker) {
        this.name = name;
        this.format = name.replace("+float32", "");
        this.description = description;
        this.payload = payload;
        this.maker = maker;
    }

    static List<BenchSubject> all() {
        DenseNetwork net = DenseNetwork.mnistSized();
        return List.of(
                new BenchSubject("onnx", "ONNX Runtime, 784→35→10 MLP", IMAGES,
                        dir -> ModelSource.of(OnnxModelWriter.denseNetwork(net), "mnist-mlp.onnx")),
                new BenchSubject("tensorflow", "TensorFlow SavedModel, 784→35→10 MLP", IMAGES,
                        dir -> ModelSource.of(SavedModelFixtures.denseNetwork(net, dir.resolve("tf-mlp")))),
                new BenchSubject("dl4j", "DL4J MultiLayerNetwork, 784→35→10 MLP", IMAGES,
                        dir -> ModelSource.of(Dl4jFixtures.writeDenseNetwork(net, dir.resolve("dl4j-mlp.zip")))),
                new BenchSubject("pytorch", "PyTorch TorchScript (libtorch via DJL), 784→35→10 MLP", IMAGES,
                        dir -> ModelSource.of(TorchScriptFixtures.denseNetwork(net, dir.resolve("torch-mlp.pt")))),
                new BenchSubject("onnx+float32", "ONNX Runtime, same MLP, float32 records", FLOATS,
                        dir -> ModelSource.of(OnnxModelWriter.denseNetwork(net), "mnist-mlp.onnx")),
                new BenchSubject("dl4j+float32", "DL4J, same MLP, float32 records", FLOATS,
                        dir -> ModelSource.of(Dl4jFixtures.writeDenseNetwork(net, dir.resolve("dl4j-mlp-f32.zip")))),
                new BenchSubject("h2o-mojo", "H2O GBM MOJO, 50 trees, 10 features", TABULAR,
                        dir -> MojoFixtures.benchmarkGbm()),
                new BenchSubject("xgboost", "XGBoost GBM (xgboost4j), 50 trees, 10 features", TABULAR,
                        dir -> XgboostFixtures.benchmarkGbm()),
                new BenchSubject("lightgbm", "LightGBM GBM (lightgbm4j), 50 trees, 10 features", TABULAR,
                        dir -> LightGbmFixtures.benchmarkGbm()),
                new BenchSubject("pmml", "PMML RegressionModel (jpmml), 4 of the 10 features", TABULAR,
                        dir -> ModelSource.of(PmmlFixtures.write(dir, "reference.pmml", PmmlFixtures.referenceClassifier()))));
    }
}
