package io.inferstream.dl4j;

import static io.inferstream.dl4j.Rows.maxAbsDiff;
import static io.inferstream.dl4j.Rows.rows;
import static io.inferstream.dl4j.Rows.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.ReferenceClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;

/**
 * Loads real DL4J networks written by ModelSerializer and checks every prediction against arithmetic done here in
 * plain Java on the same weights.
 */
class Dl4jModelLoaderTest {
    @TempDir
    static Path dir;
    static Path reference;

    @BeforeAll
    static void writeReference() throws Exception {
        MultiLayerNetwork net = Dl4jFixtures.referenceClassifier();
        reference = Dl4jFixtures.save(net, dir.resolve("reference.zip"));
        net.close();
    }

    private static void assertMatchesReference(double[][] inputs, List<Prediction> predictions) {
        assertEquals(inputs.length, predictions.size());
        for (int i = 0; i < inputs.length; i++) {
            double diff = maxAbsDiff(ReferenceClassifier.probabilities(inputs[i]), values(predictions.get(i), "probs"));
            assertTrue(diff <= 1e-5, "row " + i + " differs from the reference by " + diff);
        }
    }

    @Test
    void referenceClassifierFromAFileMatchesThePlainJavaReference() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(200, 42);
        try (Model model = new Dl4jModelLoader().load(ModelSource.of(reference), Map.of())) {
            ModelInfo info = model.info();
            assertEquals("dl4j", info.format());
            assertEquals("reference", info.name());
            assertEquals("1", info.version());
            assertFalse(info.threadSafe(), "DL4J networks are not declared thread-safe");
            assertEquals(List.of(FieldSpec.tensor("input", DataType.FLOAT, 4)), info.inputs());
            assertEquals(List.of(FieldSpec.tensor("probs", DataType.FLOAT, 3)), info.outputs());
            assertEquals("MultiLayerNetwork", info.properties().get("network"));
            assertEquals("15", info.properties().get("parameters"));
            List<Prediction> predictions = model.predict(rows("input", inputs));
            assertMatchesReference(inputs, predictions);
            assertArrayEquals(new long[] {3}, predictions.get(0).output("probs").shape());
        }
    }

    @Test
    void loadsFromBytesInMemoryWithNameVersionAndFieldNameOptions() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(50, 3);
        ModelSource bytes = ModelSource.of(Files.readAllBytes(reference), "in-memory.zip");
        Map<String, String> options = Map.of("name", "ref", "version", "7", "input.name", "features", "output.name", "p");
        try (Model model = new Dl4jModelLoader().load(bytes, options)) {
            assertEquals("ref", model.info().name());
            assertEquals("7", model.info().version());
            assertEquals("features", model.info().inputs().get(0).name());
            List<Prediction> predictions = model.predict(rows("features", inputs));
            for (int i = 0; i < inputs.length; i++) {
                assertTrue(maxAbsDiff(ReferenceClassifier.probabilities(inputs[i]), values(predictions.get(i), "p")) <= 1e-5);
            }
        }
    }

    @Test
    void mnistSizedDenseNetworkMatchesItsPlainJavaForwardPassForFlatAndNestedRows() throws Exception {
        DenseNetwork d = DenseNetwork.mnistSized();
        Path file = Dl4jFixtures.writeDenseNetwork(d, dir.resolve("dense.zip"));
        float[][] inputs = d.sampleInputs(64, 5);
        try (Model model = new Dl4jModelLoader().load(ModelSource.of(file), Map.of())) {
            assertEquals(List.of(FieldSpec.tensor("input", DataType.FLOAT, 784)), model.info().inputs());
            assertEquals("27835", model.info().properties().get("parameters"));
            List<Prediction> flat = model.predict(rows("input", inputs));
            List<Features> nested = new ArrayList<>();
            for (float[] x : inputs) {
                // A 28×28 image as the engine decodes a nested JSON array: the element count is what matters.
                nested.add(Features.of("input", Tensor.ofFloats(x, 28, 28)));
            }
            List<Prediction> fromNested = model.predict(nested);
            for (int i = 0; i < inputs.length; i++) {
                double[] want = d.forward(inputs[i]);
                assertTrue(maxAbsDiff(want, values(flat.get(i), "probs")) <= 1e-5, "row " + i);
                assertEquals(flat.get(i), fromNested.get(i), "row " + i + ": nested and flat rows give the same");
            }
        }
    }

    @Test
    void workspaceModeNoneGivesTheSameAnswers() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(40, 8);
        try (Model model = new Dl4jModelLoader().load(ModelSource.of(reference), Map.of("workspace.mode", "none"))) {
            assertMatchesReference(inputs, model.predict(rows("input", inputs)));
            assertMatchesReference(inputs, model.predict(rows("input", inputs)));
        }
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> new Dl4jModelLoader().load(ModelSource.of(reference), Map.of("workspace.mode", "sometimes")));
        assertTrue(e.getMessage().contains("reference") && e.getMessage().contains("workspace.mode"), e.getMessage());
    }

    /** Recomputes a trained ReLU→softmax classifier in plain Java from the parameters DL4J learned. */
    private static double[] forward(MultiLayerNetwork net, float[] x) {
        double[] h = dense(x2d(x), net.getLayer(0).getParam("W"), net.getLayer(0).getParam("b"));
        for (int j = 0; j < h.length; j++) {
            h[j] = Math.max(0, h[j]);
        }
        return ReferenceClassifier.softmax(dense(h, net.getLayer(1).getParam("W"), net.getLayer(1).getParam("b")));
    }

    private static double[] x2d(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** @return {@code x·W + b} with W read as {@code [nIn][nOut]}. */
    private static double[] dense(double[] x, INDArray w, INDArray b) {
        int nOut = (int) w.size(1);
        double[] z = new double[nOut];
        for (int o = 0; o < nOut; o++) {
            double s = b.getDouble(o); // b is [nOut] or [1, nOut]: the linear index fits both
            for (int i = 0; i < x.length; i++) {
                s += x[i] * w.getDouble(i, o);
            }
            z[o] = s;
        }
        return z;
    }

    @Test
    void trainedClassifierIsAccurateAndMatchesItsLearnedWeights() throws Exception {
        MultiLayerNetwork net = Dl4jFixtures.trainedClassifier();
        Path file = Dl4jFixtures.save(net, dir.resolve("blobs.zip"));
        INDArray[] test = Dl4jFixtures.blobs(300, 99);
        float[][] x = test[0].toFloatMatrix();
        try (Model model = new Dl4jModelLoader().load(ModelSource.of(file), Map.of())) {
            assertEquals(List.of(FieldSpec.tensor("input", DataType.FLOAT, 2)), model.info().inputs());
            List<Prediction> predictions = model.predict(rows("input", x));
            int correct = 0;
            for (int i = 0; i < x.length; i++) {
                double[] p = values(predictions.get(i), "probs");
                assertTrue(maxAbsDiff(forward(net, x[i]), p) <= 1e-5, "row " + i);
                int best = p[0] >= p[1] && p[0] >= p[2] ? 0 : p[1] >= p[2] ? 1 : 2;
                correct += test[1].getDouble(i, best) == 1 ? 1 : 0;
            }
            assertTrue(correct >= 0.9 * x.length, "accuracy " + correct + "/" + x.length);
        } finally {
            net.close();
        }
    }

    @Test
    void twoInputGraphMapsFieldsByInputNameAndMatchesItsLearnedWeights() throws Exception {
        ComputationGraph graph = Dl4jFixtures.trainedTwoInputGraph();
        Path file = Dl4jFixtures.save(graph, dir.resolve("graph.zip"));
        java.util.Random random = new java.util.Random(5);
        List<Features> rows = new ArrayList<>();
        List<double[][]> raw = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            double[] a = {random.nextGaussian(), random.nextGaussian()};
            double[] b = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            raw.add(new double[][] {x2d(Rows.toFloats(a)), x2d(Rows.toFloats(b))});
            // Fields in either order: they are matched to the graph's inputs by name, not position.
            rows.add(i % 2 == 0
                    ? Features.builder().put("a", Tensor.ofFloats(Rows.toFloats(a))).put("b", Tensor.ofFloats(Rows.toFloats(b))).build()
                    : Features.builder().put("b", Tensor.ofFloats(Rows.toFloats(b))).put("a", Tensor.ofFloats(Rows.toFloats(a))).build());
        }
        try (Model model = new Dl4jModelLoader().load(ModelSource.of(file), Map.of())) {
            ModelInfo info = model.info();
            assertEquals("ComputationGraph", info.properties().get("network"));
            assertEquals(List.of(FieldSpec.tensor("a", DataType.FLOAT, 2), FieldSpec.tensor("b", DataType.FLOAT, 3)), info.inputs());
            assertEquals(List.of(FieldSpec.tensor("out", DataType.FLOAT, 2)), info.outputs());
            List<Prediction> predictions = model.predict(rows);
            for (int i = 0; i < rows.size(); i++) {
                double[] ha = dense(raw.get(i)[0], graph.getLayer("dense_a").getParam("W"), graph.getLayer("dense_a").getParam("b"));
                double[] hb = dense(raw.get(i)[1], graph.getLayer("dense_b").getParam("W"), graph.getLayer("dense_b").getParam("b"));
                double[] merged = new double[ha.length + hb.length];
                for (int j = 0; j < ha.length; j++) {
                    merged[j] = Math.tanh(ha[j]);
                }
                for (int j = 0; j < hb.length; j++) {
                    merged[ha.length + j] = Math.tanh(hb[j]);
                }
                double[] want = ReferenceClassifier.softmax(dense(merged, graph.getLayer("out").getParam("W"), graph.getLayer("out").getParam("b")));
                assertTrue(maxAbsDiff(want, values(predictions.get(i), "out")) <= 1e-5, "row " + i);
            }
            InvalidInputException missing = assertThrows(InvalidInputException.class,
                    () -> model.predict(List.of(rows.get(0), Features.of("a", Tensor.ofFloats(new float[] {1, 2})))));
            assertEquals(1, missing.recordIndex());
            assertEquals("b", missing.field());
        } finally {
            graph.close();
        }
    }

    @Test
    void aNormalizerSavedInTheZipIsAppliedToEveryInput() throws Exception {
        MultiLayerNetwork net = Dl4jFixtures.trainedClassifier();
        INDArray[] train = Dl4jFixtures.blobs(300, 1);
        // Shift and scale the features so that the normalizer matters: without it every answer would be off.
        INDArray raw = train[0].mul(3).add(10);
        NormalizerStandardize normalizer = new NormalizerStandardize();
        normalizer.fit(new DataSet(raw, train[1]));
        Path file = Dl4jFixtures.save(net, dir.resolve("normalized.zip"));
        ModelSerializer.addNormalizerToModel(file.toFile(), normalizer);
        float[][] x = raw.toFloatMatrix();
        try (Model model = new Dl4jModelLoader().load(ModelSource.of(file), Map.of())) {
            List<Prediction> predictions = model.predict(rows("input", x));
            INDArray mean = normalizer.getMean();
            INDArray std = normalizer.getStd();
            for (int i = 0; i < x.length; i += 7) {
                float[] z = new float[x[i].length];
                for (int j = 0; j < z.length; j++) {
                    z[j] = (float) ((x[i][j] - mean.getDouble(j)) / std.getDouble(j));
                }
                assertTrue(maxAbsDiff(forward(net, z), values(predictions.get(i), "probs")) <= 1e-4, "row " + i);
            }
        } finally {
            net.close();
        }
    }

    @Test
    void withAnUnknownInputWidthDl4jRejectsTheRowsNotTheModel() throws Exception {
        try (Model model = new Dl4jModelLoader().load(ModelSource.of(reference), Map.of("input.shape.input", "-1"))) {
            assertEquals(FieldSpec.tensor("input", DataType.FLOAT, -1), model.info().inputs().get(0));
            List<Features> threeWide = List.of(Features.of("input", Tensor.ofFloats(new float[] {1, 2, 3})),
                    Features.of("input", Tensor.ofFloats(new float[] {4, 5, 6})));
            // The width could not be checked up front, so DL4J's complaint becomes a per-record error without an
            // index: the engine then scores the rows one by one and dead-letters each bad one.
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> model.predict(threeWide));
            assertEquals(InvalidInputException.UNKNOWN_RECORD, e.recordIndex());
            e = assertThrows(InvalidInputException.class, () -> model.predict(threeWide.subList(0, 1)));
            assertEquals(0, e.recordIndex());
            double[][] inputs = ReferenceClassifier.sampleInputs(20, 9);
            assertMatchesReference(inputs, model.predict(rows("input", inputs)));
        }
    }

    @Test
    void aDoublePrecisionNetworkTakesAndGivesDoubles() throws Exception {
        MultiLayerNetwork net = Dl4jFixtures.referenceClassifier();
        MultiLayerNetwork doubles = net.convertDataType(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        Path file = Dl4jFixtures.save(doubles, dir.resolve("double.zip"));
        double[][] inputs = ReferenceClassifier.sampleInputs(30, 12);
        try (Model model = new Dl4jModelLoader().load(ModelSource.of(file), Map.of())) {
            assertEquals(FieldSpec.tensor("input", DataType.DOUBLE, 4), model.info().inputs().get(0));
            assertEquals(FieldSpec.tensor("probs", DataType.DOUBLE, 3), model.info().outputs().get(0));
            List<Features> batch = new ArrayList<>();
            for (double[] x : inputs) {
                batch.add(Features.of("input", Tensor.ofDoubles(x)));
            }
            List<Prediction> predictions = model.predict(batch);
            assertEquals(DataType.DOUBLE, predictions.get(0).output("probs").type());
            assertMatchesReference(inputs, predictions);
        } finally {
            net.close();
            doubles.close();
        }
    }

    @Test
    void badRowsAreRejectedWithTheirIndexAndField() throws Exception {
        try (Model model = new Dl4jModelLoader().load(ModelSource.of(reference), Map.of())) {
            List<Features> good = rows("input", ReferenceClassifier.sampleInputs(5, 1));
            List<Features> missing = new ArrayList<>(good);
            missing.set(3, Features.of("other", Tensor.ofFloats(new float[] {1, 2, 3, 4})));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> model.predict(missing));
            assertEquals(3, e.recordIndex());
            assertEquals("input", e.field());

            List<Features> wrongSize = new ArrayList<>(good);
            wrongSize.set(2, Features.of("input", Tensor.ofFloats(new float[] {1, 2, 3})));
            e = assertThrows(InvalidInputException.class, () -> model.predict(wrongSize));
            assertEquals(2, e.recordIndex());

            List<Features> nan = new ArrayList<>(good);
            nan.set(4, Features.of("input", Tensor.ofFloats(new float[] {1, Float.NaN, 3, 4})));
            e = assertThrows(InvalidInputException.class, () -> model.predict(nan));
            assertEquals(4, e.recordIndex());
            assertTrue(e.getMessage().contains("element 1 is NaN"), e.getMessage());

            // The good rows still score after the rejections: nothing was left half-done in the network.
            assertEquals(5, model.predict(good).size());
        }
    }

    @Test
    void loadFailuresNameTheModelAndTheProblem() throws Exception {
        Path broken = dir.resolve("broken.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(broken))) {
            zip.putNextEntry(new ZipEntry("configuration.json"));
            zip.write("{\"not\": \"a network\"}".getBytes());
            zip.putNextEntry(new ZipEntry("coefficients.bin"));
            zip.write(new byte[] {1, 2, 3});
        }
        Dl4jModelLoader loader = new Dl4jModelLoader();
        assertTrue(loader.accepts(ModelSource.of(broken)), "has the two entries, so it looks like a DL4J zip");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> loader.load(ModelSource.of(broken), Map.of()));
        assertTrue(e.getMessage().startsWith("model broken: "), e.getMessage());

        Path notZip = Files.writeString(dir.resolve("notes.zip"), "hello");
        e = assertThrows(ModelLoadException.class, () -> loader.load(ModelSource.of(notZip), Map.of()));
        assertTrue(e.getMessage().contains("model notes"), e.getMessage());

        e = assertThrows(ModelLoadException.class,
                () -> loader.load(ModelSource.of(reference), Map.of("input.shape.pixels", "28,28")));
        assertTrue(e.getMessage().contains("input.shape.pixels") && e.getMessage().contains("[input]"), e.getMessage());
    }

    @Test
    void inputShapeOptionOverridesTheGuess() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(10, 4);
        try (Model model = new Dl4jModelLoader().load(ModelSource.of(reference), Map.of("input.shape.input", "2,2"))) {
            assertEquals(FieldSpec.tensor("input", DataType.FLOAT, 2, 2), model.info().inputs().get(0));
            List<Features> rows = new ArrayList<>();
            for (double[] x : inputs) {
                rows.add(Features.of("input", Tensor.ofFloats(Rows.toFloats(x), 2, 2)));
            }
            // A [batch, 2, 2] array fed to a dense layer fails inside DL4J: a model-wide failure, as the shape was
            // declared complete, so no row is wrongly blamed.
            assertThrows(ModelFailureException.class, () -> model.predict(rows));
        }
    }

    @Test
    void snifsOnlyItsOwnFormatAndTheRegistryFindsBothLoaders() throws Exception {
        Dl4jModelLoader loader = new Dl4jModelLoader();
        assertTrue(loader.accepts(ModelSource.of(reference)));
        assertTrue(loader.accepts(ModelSource.of(Files.readAllBytes(reference), "x.bin")));
        Path otherZip = dir.resolve("other.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(otherZip))) {
            zip.putNextEntry(new ZipEntry("model.onnx"));
            zip.write(new byte[] {0});
        }
        assertFalse(loader.accepts(ModelSource.of(otherZip)));
        assertFalse(loader.accepts(ModelSource.of(new byte[] {1, 2, 3}, "x.zip")));
        assertFalse(loader.accepts(ModelSource.of(dir)));

        ModelRegistry registry = ModelRegistry.discover();
        assertTrue(registry.formats().containsAll(List.of("dl4j", "keras")), registry.formats().toString());
        assertEquals("dl4j", registry.detect(ModelSource.of(reference)).format());
        assertTrue(loader.description().contains("1.0.0-M2.1"), loader.description());
    }

    @Test
    void closeIsIdempotentAndAClosedModelFailsClearly() throws Exception {
        Model model = new Dl4jModelLoader().load(ModelSource.of(reference), Map.of());
        model.close();
        model.close();
        ModelFailureException e = assertThrows(ModelFailureException.class,
                () -> model.predict(rows("input", ReferenceClassifier.sampleInputs(1, 1))));
        assertTrue(e.getMessage().contains("reference"), e.getMessage());
    }
}
