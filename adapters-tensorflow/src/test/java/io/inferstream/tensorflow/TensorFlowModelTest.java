package io.inferstream.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.tensorflow.fixtures.KerasStyleSavedModel;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real SavedModels made by TensorFlow Java, scored through the adapter and checked against plain-Java maths. */
class TensorFlowModelTest {
    private static final TensorFlowModelLoader LOADER = new TensorFlowModelLoader();

    @TempDir
    Path dir;

    static Model load(Path savedModel, Map<String, ?> options) throws Exception {
        return LOADER.load(ModelSource.of(savedModel), options);
    }

    static List<Features> classifierRows(double[][] inputs) {
        List<Features> rows = new ArrayList<>();
        for (double[] x : inputs) {
            float[] f = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                f[j] = (float) x[j];
            }
            rows.add(Features.of("features", Tensor.ofFloats(f)));
        }
        return rows;
    }

    static void assertReferenceProbabilities(double[][] inputs, List<Prediction> predictions) {
        assertEquals(inputs.length, predictions.size());
        for (int i = 0; i < inputs.length; i++) {
            double[] want = ReferenceClassifier.probabilities(inputs[i]);
            Tensor got = predictions.get(i).output("probabilities");
            assertArrayEquals(new long[] {3}, got.shape(), "row " + i);
            for (int c = 0; c < want.length; c++) {
                assertEquals(want[c], got.asFloats()[c], 1e-5, "row " + i + " class " + c);
            }
        }
    }

    @Test
    void referenceClassifierGivesTheReferenceProbabilities() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(200, 42);
        try (Model model = load(SavedModelFixtures.referenceClassifier(dir.resolve("ref")), Map.of())) {
            assertEquals(List.of(FieldSpec.tensor("features", DataType.FLOAT, 4)), model.info().inputs());
            assertEquals(List.of(FieldSpec.tensor("probabilities", DataType.FLOAT, 3)), model.info().outputs());
            assertEquals("ref", model.info().name());
            assertEquals("tensorflow", model.info().format());
            assertTrue(model.info().threadSafe());
            assertReferenceProbabilities(inputs, model.predict(classifierRows(inputs)));
        }
    }

    @Test
    void aKerasStyleGraphWithAFunctionCallAndResourceVariablesGivesTheReferenceProbabilities() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(200, 42);
        Path saved = KerasStyleSavedModel.referenceClassifier(dir.resolve("keras"));
        // What makes it TF2-shaped: a library function called from the graph, and a real checkpoint to restore.
        org.tensorflow.proto.GraphDef graph = org.tensorflow.proto.SavedModel.parseFrom(
                java.nio.file.Files.readAllBytes(saved.resolve("saved_model.pb"))).getMetaGraphs(0).getGraphDef();
        assertEquals(1, graph.getLibrary().getFunctionCount());
        assertTrue(graph.getNodeList().stream().anyMatch(n -> n.getOp().endsWith("PartitionedCall")));
        assertTrue(graph.getNodeList().stream().anyMatch(n -> n.getOp().equals("VarHandleOp")));
        assertTrue(java.nio.file.Files.isRegularFile(saved.resolve("variables/variables.index")));
        try (Model model = load(saved, Map.of())) {
            assertEquals(List.of(FieldSpec.tensor("features", DataType.FLOAT, 4)), model.info().inputs());
            assertEquals("serving_default_features:0", model.info().properties().get("input.features.tensor"));
            assertReferenceProbabilities(inputs, model.predict(classifierRows(inputs)));
        }
    }

    @Test
    void regressionWithVariablesAndASecondSignature() throws Exception {
        Path saved = SavedModelFixtures.linearRegression(dir.resolve("regression"));
        List<Features> rows = new ArrayList<>();
        float[] xs = {-4f, -1.5f, 0f, 0.25f, 3f, 1000f};
        for (float x : xs) {
            rows.add(Features.of("x", Tensor.ofFloats(new float[] {x})));
        }
        try (Model model = load(saved, Map.of("name", "lin", "version", "7"))) {
            assertEquals("lin", model.info().name());
            assertEquals("7", model.info().version());
            List<Prediction> out = model.predict(rows);
            for (int i = 0; i < xs.length; i++) {
                assertEquals(0.5 * xs[i] + 2, out.get(i).output("y").asFloats()[0], 0.0, "y for x=" + xs[i]);
            }
        }
        try (Model model = load(saved, Map.of(TensorFlowModelLoader.SIGNATURE, SavedModelFixtures.DOUBLED_SIGNATURE))) {
            assertEquals(List.of("y2"), List.of(model.info().outputs().get(0).name()));
            List<Prediction> out = model.predict(rows);
            for (int i = 0; i < xs.length; i++) {
                assertEquals(2.0 * xs[i], out.get(i).output("y2").asFloats()[0], 0.0);
            }
        }
    }

    @Test
    void twoInputsTwoOutputsTakeNestedOrFlatArrays() throws Exception {
        try (Model model = load(SavedModelFixtures.twoInputsTwoOutputs(dir.resolve("two")), Map.of())) {
            assertEquals(List.of(FieldSpec.tensor("matrix", DataType.FLOAT, 2, 2),
                    FieldSpec.tensor("offset", DataType.DOUBLE)), model.info().inputs());
            assertEquals(List.of(FieldSpec.tensor("row_sums", DataType.FLOAT, 2),
                    FieldSpec.tensor("total", DataType.DOUBLE)), model.info().outputs());
            List<Features> rows = List.of(
                    Features.of(Map.of("matrix", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2), "offset", Tensor.scalar(0.5))),
                    // A flat array of four fits the declared [2, 2]; an int64 scalar fits the double input.
                    Features.of(Map.of("matrix", Tensor.ofFloats(new float[] {-1, 5, 7, 10}), "offset", Tensor.scalar(3L))));
            List<Prediction> out = model.predict(rows);
            assertArrayEquals(new float[] {3, 7}, out.get(0).output("row_sums").asFloats());
            assertEquals(1 + 4 + 0.5, out.get(0).output("total").asDoubles()[0], 0.0);
            assertArrayEquals(new long[] {}, out.get(0).output("total").shape());
            assertArrayEquals(new float[] {4, 17}, out.get(1).output("row_sums").asFloats());
            assertEquals(-1 + 10 + 3.0, out.get(1).output("total").asDoubles()[0], 0.0);
        }
    }

    @Test
    void everySupportedDtypeGoesInAndComesOut() throws Exception {
        try (Model model = load(SavedModelFixtures.allTypes(dir.resolve("types")), Map.of())) {
            List<Features> rows = List.of(
                    Features.of(Map.of("flag", Tensor.scalar(true), "count", Tensor.ofInts(new int[] {41}, new long[0]),
                            "id", Tensor.scalar(1L << 40), "text", Tensor.scalar("héllo"))),
                    Features.of(Map.of("flag", Tensor.scalar(false), "count", Tensor.scalar(-1L),
                            "id", Tensor.scalar(-3L), "text", Tensor.ofBytes(new byte[][] {{1, 2, 3}}, new long[0]))));
            List<Prediction> out = model.predict(rows);
            assertArrayEquals(new boolean[] {false}, out.get(0).output("not_flag").asBooleans());
            assertArrayEquals(new int[] {42}, out.get(0).output("count_plus_one").asInts());
            assertArrayEquals(new long[] {1L << 41}, out.get(0).output("id_times_two").asLongs());
            assertArrayEquals(new int[] {6}, out.get(0).output("text_length").asInts(), "UTF-8 bytes of héllo");
            assertArrayEquals(new String[] {"héllo"}, out.get(0).output("text_echo").asStrings());
            assertArrayEquals(new boolean[] {true}, out.get(1).output("not_flag").asBooleans());
            assertArrayEquals(new int[] {0}, out.get(1).output("count_plus_one").asInts());
            assertArrayEquals(new long[] {-6}, out.get(1).output("id_times_two").asLongs());
            assertArrayEquals(new int[] {3}, out.get(1).output("text_length").asInts(), "raw bytes pass through");
        }
    }

    @Test
    void denseNetworkMatchesThePlainJavaForwardPass() throws Exception {
        DenseNetwork net = DenseNetwork.mnistSized();
        float[][] inputs = net.sampleInputs(256, 3);
        List<Features> rows = new ArrayList<>();
        for (float[] x : inputs) {
            rows.add(Features.of("input", Tensor.ofFloats(x)));
        }
        try (Model model = load(SavedModelFixtures.denseNetwork(net, dir.resolve("dense")), Map.of())) {
            assertEquals(List.of(FieldSpec.tensor("input", DataType.FLOAT, 784)), model.info().inputs());
            List<Prediction> out = model.predict(rows);
            for (int i = 0; i < inputs.length; i++) {
                double[] want = net.forward(inputs[i]);
                float[] got = out.get(i).output("probabilities").asFloats();
                for (int o = 0; o < want.length; o++) {
                    assertEquals(want[o], got[o], 1e-5, "row " + i + " class " + o);
                }
            }
        }
    }

    @Test
    void concurrentPredictsOnOneInstanceAreCorrect() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Model model = load(SavedModelFixtures.referenceClassifier(dir.resolve("ref")), Map.of())) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long seed = t;
                futures.add(pool.submit(() -> {
                    for (int round = 0; round < 20; round++) {
                        double[][] inputs = ReferenceClassifier.sampleInputs(50, seed * 100 + round);
                        assertReferenceProbabilities(inputs, model.predict(classifierRows(inputs)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closeIsIdempotentAndAClosedModelFailsAsAModel() throws Exception {
        Model model = load(SavedModelFixtures.referenceClassifier(dir.resolve("ref")), Map.of());
        model.close();
        model.close();
        ModelFailureException e = assertThrows(ModelFailureException.class,
                () -> model.predict(classifierRows(ReferenceClassifier.sampleInputs(1, 1))));
        assertTrue(e.getMessage().contains("ref"), e.getMessage());
    }
}
