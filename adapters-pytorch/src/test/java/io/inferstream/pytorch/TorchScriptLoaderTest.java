package io.inferstream.pytorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.pytorch.fixtures.TorchScriptFixtures;
import io.inferstream.sandbox.models.DenseNetwork;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TorchScript files saved by PyTorch 1.13 and loaded by libtorch 2.7.1: every output equals what PyTorch itself
 * computed for the same rows (saved beside each file by the generator script); names, types and shapes come from the
 * file, the options or a sidecar file as documented, and inspect says which; damaged files and bad records get clear
 * errors.
 */
class TorchScriptLoaderTest {
    @TempDir
    Path dir;

    private static Model load(Path source, Map<String, ?> options) throws Exception {
        return ModelRegistry.discover().load(ModelSource.of(source), null, options);
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    /** Scores the rows of a single-float-input fixture in one batch and compares every output with PyTorch's. */
    private static void assertScoresLikePyTorch(Model model, String fixture, String input) throws Exception {
        List<JsonNode> rows = TorchScriptFixtures.rows(fixture);
        List<Features> batch = new ArrayList<>();
        for (JsonNode row : rows) {
            batch.add(Features.of(input, Tensor.ofFloats(floats(row.get("x").get(input)))));
        }
        List<Prediction> predictions = model.predict(batch);
        assertEquals(rows.size(), predictions.size());
        for (int i = 0; i < rows.size(); i++) {
            JsonNode want = rows.get(i).get("y");
            for (var names = want.fieldNames(); names.hasNext(); ) {
                String output = names.next();
                Tensor got = predictions.get(i).output(output);
                double[] expected = doubles(want.get(output).isArray() ? want.get(output)
                        : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(want.get(output)));
                assertEquals(expected.length, got.size(), fixture + " row " + i + " " + output);
                for (int j = 0; j < expected.length; j++) {
                    assertEquals(expected[j], got.getDouble(j), 1e-5, fixture + " row " + i + " " + output + "[" + j + "]");
                }
            }
        }
    }

    @Test
    void tracedNetworkScoresLikePyTorchWithTheShapeGivenByOption() throws Exception {
        try (Model model = load(TorchScriptFixtures.copyTo("mlp_traced.pt", dir), Map.of(TorchScriptOptions.INPUT_SHAPES, "6"))) {
            assertEquals(TorchScriptLoader.FORMAT, model.info().format());
            assertEquals(List.of(FieldSpec.tensor("x", DataType.FLOAT, 6)), model.info().inputs());
            assertEquals(List.of(FieldSpec.tensor("output", DataType.FLOAT, 3)), model.info().outputs());
            Map<String, String> props = model.info().properties();
            assertEquals("the file's forward signature", props.get("input.names"));
            assertTrue(props.get("input.shapes").startsWith("options"), props.toString());
            assertEquals("from a trial run on zeros", props.get("outputs"));
            assertTrue(props.get("pytorch.runtime").startsWith("libtorch 2.7.1"), props.toString());
            assertTrue(model.info().threadSafe());
            assertScoresLikePyTorch(model, "mlp_traced", "x");
        }
    }

    @Test
    void withoutAnyShapeTheInputIsAVectorOfAnyLengthAndOutputsAreLearntAtTheFirstBatch() throws Exception {
        try (Model model = load(TorchScriptFixtures.copyTo("mlp_traced.pt", dir), Map.of())) {
            assertEquals(List.of(FieldSpec.tensor("x", DataType.FLOAT, -1)), model.info().inputs());
            assertTrue(model.info().outputs().isEmpty());
            assertTrue(model.info().properties().get("input.shapes").startsWith("default"));
            assertScoresLikePyTorch(model, "mlp_traced", "x");
        }
    }

    @Test
    void signatureSavedInsideTheFileNamesInputAndOutput() throws Exception {
        try (Model model = load(TorchScriptFixtures.copyTo("reference.pt", dir), Map.of())) {
            assertEquals(List.of(FieldSpec.tensor("features", DataType.FLOAT, 4)), model.info().inputs());
            assertEquals(List.of(FieldSpec.tensor("probabilities", DataType.FLOAT, 3)), model.info().outputs());
            assertTrue(model.info().properties().get("input.shapes").contains("extra file inferstream.json"));
            assertScoresLikePyTorch(model, "reference", "features");
        }
    }

    @Test
    void sidecarFileBesideTheModelGivesNamesShapesAndOutputNames() throws Exception {
        Path file = TorchScriptFixtures.copyTo("mlp_traced.pt", dir, "net.pt");
        Files.writeString(dir.resolve("net.pt.inferstream.json"), "{\"inputs\": [{\"name\": \"x\", \"type\": \"float32\","
                + " \"shape\": [6]}], \"outputs\": [\"scores\"]}");
        try (Model model = load(file, Map.of())) {
            assertEquals(List.of(FieldSpec.tensor("x", DataType.FLOAT, 6)), model.info().inputs());
            assertEquals(List.of(FieldSpec.tensor("scores", DataType.FLOAT, 3)), model.info().outputs());
            assertTrue(model.info().properties().get("input.shapes").contains("net.pt.inferstream.json"));
            JsonNode row = TorchScriptFixtures.rows("mlp_traced").get(0);
            Tensor got = model.predict(List.of(Features.of("x", Tensor.ofFloats(floats(row.get("x").get("x"))))))
                    .get(0).output("scores");
            float[] want = floats(row.get("y").get("output"));
            for (int j = 0; j < want.length; j++) {
                assertEquals(want[j], got.asFloats()[j], 1e-5, "scores[" + j + "]");
            }
        }
    }

    @Test
    void scriptedModuleTakesFloat64AndInt64InputsAndReturnsADict() throws Exception {
        Map<String, String> options = Map.of(TorchScriptOptions.INPUT_TYPES, "float64,int64",
                TorchScriptOptions.INPUT_SHAPES, "3;2");
        try (Model model = load(TorchScriptFixtures.copyTo("mixed_scripted.pt", dir), options)) {
            assertEquals(List.of(FieldSpec.tensor("x", DataType.DOUBLE, 3), FieldSpec.tensor("counts", DataType.INT64, 2)),
                    model.info().inputs());
            List<JsonNode> rows = TorchScriptFixtures.rows("mixed_scripted");
            List<Features> batch = new ArrayList<>();
            for (JsonNode row : rows) {
                long[] counts = {row.get("x").get("counts").get(0).asLong(), row.get("x").get("counts").get(1).asLong()};
                batch.add(Features.builder().put("x", Tensor.ofDoubles(doubles(row.get("x").get("x"))))
                        .put("counts", Tensor.ofLongs(counts)).build());
            }
            List<Prediction> out = model.predict(batch);
            for (int i = 0; i < rows.size(); i++) {
                Tensor score = out.get(i).output("score");
                Tensor total = out.get(i).output("total");
                assertEquals(DataType.DOUBLE, score.type());
                assertEquals(DataType.INT64, total.type());
                assertEquals(rows.get(i).get("y").get("score").asDouble(), score.getDouble(0), 1e-12, "row " + i);
                assertEquals(rows.get(i).get("y").get("total").asLong(), total.asLongs()[0], "row " + i);
            }
        }
    }

    @Test
    void tupleOutputsAreNumberedOrNamedByOption() throws Exception {
        Path file = TorchScriptFixtures.copyTo("tuple_scripted.pt", dir);
        try (Model model = load(file, Map.of(TorchScriptOptions.INPUT_SHAPES, "4"))) {
            assertEquals(List.of("output0", "output1"), model.info().outputs().stream().map(FieldSpec::name).toList());
            assertEquals(DataType.INT64, model.info().outputs().get(1).type());
            assertScoresLikePyTorch(model, "tuple_scripted", "x");
        }
        try (Model model = load(file, Map.of(TorchScriptOptions.INPUT_SHAPES, "4",
                TorchScriptOptions.OUTPUT_NAMES, "logits,best"))) {
            assertEquals(List.of("logits", "best"), model.info().outputs().stream().map(FieldSpec::name).toList());
        }
    }

    @Test
    void folderOrZipHoldingOneModuleLoads() throws Exception {
        Path folder = dir.resolve("folder");
        TorchScriptFixtures.copyTo("mlp_traced.pt", folder, "model.pth");
        try (Model model = load(folder, Map.of(TorchScriptOptions.INPUT_SHAPES, "6"))) {
            assertScoresLikePyTorch(model, "mlp_traced", "x");
        }
        Path zip = dir.resolve("bundle.zip");
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("README.txt"));
            z.write("a model".getBytes());
            z.putNextEntry(new ZipEntry("models/mlp.pt"));
            z.write(TorchScriptFixtures.bytes("mlp_traced.pt"));
        }
        try (Model model = load(zip, Map.of(TorchScriptOptions.INPUT_SHAPES, "6"))) {
            assertScoresLikePyTorch(model, "mlp_traced", "x");
        }
    }

    @Test
    void badRecordsAreRejectedWithTheirIndexAndReason() throws Exception {
        try (Model model = load(TorchScriptFixtures.copyTo("mlp_traced.pt", dir), Map.of(TorchScriptOptions.INPUT_SHAPES, "6"))) {
            Features good = Features.of("x", Tensor.ofFloats(new float[6]));
            InvalidInputException wrongSize = assertThrows(InvalidInputException.class, () -> model.predict(
                    List.of(good, Features.of("x", Tensor.ofFloats(new float[5])))));
            assertEquals(1, wrongSize.recordIndex());
            assertEquals("x", wrongSize.field());
            InvalidInputException text = assertThrows(InvalidInputException.class, () -> model.predict(
                    List.of(Features.of("x", Tensor.ofStrings(new String[] {"a", "b", "c", "d", "e", "f"})), good)));
            assertEquals(0, text.recordIndex());
            InvalidInputException missing = assertThrows(InvalidInputException.class, () -> model.predict(
                    List.of(good, good, Features.of("y", Tensor.ofFloats(new float[6])))));
            assertEquals(2, missing.recordIndex());
        }
    }

    @Test
    void damagedFilesAreRefusedAtLoadWithAClearMessage() throws Exception {
        byte[] whole = TorchScriptFixtures.bytes("mlp_traced.pt");
        Path truncated = dir.resolve("truncated.pt");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> load(truncated, Map.of()));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Path text = dir.resolve("notes.pt");
        Files.writeString(text, "not a model");
        e = assertThrows(ModelLoadException.class, () -> load(text, Map.of()));
        assertTrue(e.getMessage().contains("not a TorchScript file"), e.getMessage());
        e = assertThrows(ModelLoadException.class, () -> load(TorchScriptFixtures.copyTo("state_dict.pt", dir), Map.of()));
        assertTrue(e.getMessage().contains("state_dict") && e.getMessage().contains("torch.jit.save"), e.getMessage());
        e = assertThrows(ModelLoadException.class, () -> load(TorchScriptFixtures.copyTo("mlp_traced.pt", dir),
                Map.of(TorchScriptOptions.INPUT_NAMES, "a,b")));
        assertTrue(e.getMessage().contains("forward takes 1 inputs [x]"), e.getMessage());
        e = assertThrows(ModelLoadException.class, () -> load(TorchScriptFixtures.copyTo("mlp_traced.pt", dir),
                Map.of(TorchScriptOptions.INPUT_TYPES, "int8")));
        assertTrue(e.getMessage().contains("float32, float64 or int64"), e.getMessage());
    }

    @Test
    void benchmarkNetworkCarriesTheTestkitWeights() throws Exception {
        DenseNetwork net = DenseNetwork.mnistSized();
        Path file = TorchScriptFixtures.denseNetwork(net, dir.resolve("mnist.pt"));
        try (Model model = load(file, Map.of())) {
            assertEquals(List.of(FieldSpec.tensor("input", DataType.FLOAT, 784)), model.info().inputs());
            float[][] rows = net.sampleInputs(20, 3);
            List<Features> batch = new ArrayList<>();
            for (float[] row : rows) {
                batch.add(Features.of("input", Tensor.ofFloats(row)));
            }
            List<Prediction> out = model.predict(batch);
            for (int i = 0; i < rows.length; i++) {
                double[] want = net.forward(rows[i]);
                float[] got = out.get(i).output("probabilities").asFloats();
                for (int c = 0; c < want.length; c++) {
                    assertEquals(want[c], got[c], 1e-5, "row " + i + " class " + c);
                }
            }
        }
    }

    @Test
    void theThreadsOptionSetsTheScoringThreadsIntraOpCountAndSharedModulesScoreConcurrently() throws Exception {
        Map<String, String> options = Map.of(TorchScriptOptions.INPUT_SHAPES, "6", TorchScriptOptions.THREADS, "3");
        try (Model model = load(TorchScriptFixtures.copyTo("mlp_traced.pt", dir), options)) {
            assertEquals("3", model.info().properties().get(TorchScriptOptions.THREADS));
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Integer>> calls = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    calls.add(pool.submit(() -> {
                        assertScoresLikePyTorch(model, "mlp_traced", "x");
                        return ai.djl.pytorch.jni.JniUtils.getNumThreads();
                    }));
                }
                for (java.util.concurrent.Future<Integer> call : calls) {
                    assertEquals(3, call.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void onlyTorchScriptFilesAreClaimed() throws Exception {
        TorchScriptLoader loader = new TorchScriptLoader();
        assertTrue(loader.accepts(ModelSource.of(TorchScriptFixtures.bytes("reference.pt"), "upload")));
        assertFalse(loader.accepts(ModelSource.of("{\"learner\": {}}".getBytes(), "model.json")));
        Path zip = dir.resolve("other.zip");
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("saved_model.pb"));
            z.write(1);
        }
        assertFalse(loader.accepts(ModelSource.of(zip)));
    }
}
