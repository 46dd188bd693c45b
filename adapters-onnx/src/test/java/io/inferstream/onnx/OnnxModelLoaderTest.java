package io.inferstream.onnx;

import static io.inferstream.sandbox.models.OnnxModelWriter.BATCH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter.ElementType;
import io.inferstream.sandbox.models.OnnxModelWriter.ValueType;
import io.inferstream.sandbox.models.OnnxModelWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, options, sniffing, bad input and model-wide failures, each with a real ONNX Runtime session. */
class OnnxModelLoaderTest {
    private static final DenseNetwork NET = DenseNetwork.random(6, 4, 3, 9);
    private final OnnxModelLoader loader = new OnnxModelLoader();

    @TempDir
    Path dir;

    private Model net(Map<String, ?> options) throws ModelLoadException {
        return loader.load(ModelSource.of(OnnxModelWriter.denseNetwork(NET), "net.onnx"), options);
    }

    private static List<Features> rows(int n) {
        List<Features> rows = new ArrayList<>();
        for (float[] x : NET.sampleInputs(n, 1)) {
            rows.add(Features.of("input", Tensor.ofFloats(x)));
        }
        return rows;
    }

    /** A model whose batch dimension is fixed at 1, as torch.onnx.export writes by default: y = 2x. */
    private static byte[] fixedBatchModel() {
        return OnnxModelWriter.builder()
                .input("x", ValueType.tensor(ElementType.FLOAT, 1, 3))
                .output("y", ValueType.tensor(ElementType.FLOAT, 1, 3))
                .initializer("two", new float[] {2f}, 1)
                .node("Mul", List.of("x", "two"), List.of("y"))
                .build();
    }

    @Test
    void acceptsOnnxByNameOrHeaderOnly() throws Exception {
        byte[] onnx = OnnxModelWriter.referenceClassifier();
        assertTrue(loader.accepts(ModelSource.of(onnx, "model.ONNX")));
        assertTrue(loader.accepts(ModelSource.of(onnx, "model.bin")), "sniffed from the protobuf header");
        assertFalse(loader.accepts(ModelSource.of("<PMML version=\"4.4\"/>".getBytes(StandardCharsets.UTF_8), "m.xml")));
        assertFalse(loader.accepts(ModelSource.of(new byte[] {0x50, 0x4b, 3, 4}, "m.zip")), "a zip (MOJO, DL4J)");
        // A TensorFlow saved_model.pb starts with field 1 = 1, then field 2.
        assertFalse(loader.accepts(ModelSource.of(new byte[] {0x08, 0x01, 0x12, 0x10}, "saved_model.pb")));
        assertFalse(loader.accepts(ModelSource.of(dir)), "a directory");
    }

    @Test
    void loadsFromAFileWithNameAndVersionOptions() throws Exception {
        Path file = dir.resolve("scorer.onnx");
        Files.write(file, OnnxModelWriter.denseNetwork(NET));
        try (Model model = loader.load(ModelSource.of(file), Map.of("name", "fraud", "version", "7",
                OnnxModelLoader.INTRA_OP_THREADS, 2, OnnxModelLoader.OPTIMIZATION, "basic"))) {
            assertEquals("fraud", model.info().name());
            assertEquals("7", model.info().version());
            assertEquals("2", model.info().properties().get(OnnxModelLoader.INTRA_OP_THREADS));
            assertEquals(5, model.predict(rows(5)).size());
        }
    }

    @Test
    void withoutOptionsTheNameIsTheFileNameAndAnUnsetModelVersionIsOne() throws Exception {
        Path file = dir.resolve("scorer.v2.onnx");
        Files.write(file, OnnxModelWriter.denseNetwork(NET));
        try (Model model = loader.load(ModelSource.of(file), Map.of())) {
            assertEquals("scorer", model.info().name());
            assertEquals("1", model.info().version(), "the writer sets no model_version");
        }
    }

    @Test
    void corruptOrEmptyModelsFailToLoadNamingTheModel() {
        byte[] corrupt = OnnxModelWriter.denseNetwork(NET);
        for (int i = 20; i < corrupt.length; i += 7) {
            corrupt[i] = (byte) 0xff;
        }
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader.load(ModelSource.of(corrupt, "broken.onnx"), Map.of()));
        assertTrue(e.getMessage().contains("broken"), e.getMessage());

        ModelLoadException empty = assertThrows(ModelLoadException.class,
                () -> loader.load(ModelSource.of(new byte[0], "void.onnx"), Map.of()));
        assertTrue(empty.getMessage().contains("void") && empty.getMessage().contains("empty"), empty.getMessage());

        ModelLoadException truncated = assertThrows(ModelLoadException.class, () -> loader.load(
                ModelSource.of(java.util.Arrays.copyOf(OnnxModelWriter.denseNetwork(NET), 100), "cut.onnx"), Map.of()));
        assertTrue(truncated.getMessage().contains("cut"), truncated.getMessage());
    }

    @Test
    void badOptionsAndUnsupportedTypesAreLoadErrors() {
        ModelLoadException level = assertThrows(ModelLoadException.class,
                () -> net(Map.of(OnnxModelLoader.OPTIMIZATION, "max")));
        assertTrue(level.getMessage().contains("optimization"), level.getMessage());
        assertThrows(ModelLoadException.class, () -> net(Map.of(OnnxModelLoader.INTRA_OP_THREADS, "many")));

        byte[] uint8 = OnnxModelWriter.builder()
                .input("pixels", ValueType.tensor(ElementType.UINT8, BATCH, 4))
                .output("same", ValueType.tensor(ElementType.UINT8, BATCH, 4))
                .node("Identity", List.of("pixels"), List.of("same"))
                .build();
        ModelLoadException type = assertThrows(ModelLoadException.class,
                () -> loader.load(ModelSource.of(uint8, "bytes.onnx"), Map.of()));
        assertTrue(type.getMessage().contains("'pixels'") && type.getMessage().contains("bytes"), type.getMessage());
    }

    @Test
    void badRowsAreRejectedWithTheirIndexInTheBatch() throws Exception {
        try (Model model = net(Map.of())) {
            List<Features> missing = new ArrayList<>(rows(4));
            missing.set(2, Features.of("other", Tensor.ofFloats(new float[6])));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> model.predict(missing));
            assertEquals(2, e.recordIndex());
            assertEquals("input", e.field());

            List<Features> shortRow = new ArrayList<>(rows(4));
            shortRow.set(1, Features.of("input", Tensor.ofFloats(new float[5])));
            e = assertThrows(InvalidInputException.class, () -> model.predict(shortRow));
            assertEquals(1, e.recordIndex());
            assertTrue(e.getMessage().contains("5"), e.getMessage());

            List<Features> text = new ArrayList<>(rows(4));
            text.set(3, Features.of("input", Tensor.scalar("six floats")));
            e = assertThrows(InvalidInputException.class, () -> model.predict(text));
            assertEquals(3, e.recordIndex());

            assertEquals(4, model.predict(rows(4)).size(), "the model still scores good rows afterwards");
        }
    }

    @Test
    void fixedBatchModelsRunOneRecordAtATimeAndKeepIndices() throws Exception {
        try (Model model = loader.load(ModelSource.of(fixedBatchModel(), "fixed.onnx"), Map.of())) {
            assertTrue(model.info().properties().get("batching").startsWith("one record per run"));
            List<Features> rows = new ArrayList<>();
            for (int r = 0; r < 5; r++) {
                rows.add(Features.of("x", Tensor.ofFloats(new float[] {r, r + 0.5f, -r})));
            }
            List<Prediction> out = model.predict(rows);
            for (int r = 0; r < 5; r++) {
                assertEquals(Tensor.ofFloats(new float[] {2 * r, 2 * r + 1, -2 * r}, 3), out.get(r).output("y"));
            }
            rows.set(3, Features.of("x", Tensor.ofFloats(new float[2])));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> model.predict(rows));
            assertEquals(3, e.recordIndex());
            assertEquals("x", e.field());
            assertFalse(e.getMessage().contains("field 'x': field 'x'"), e.getMessage());
        }
    }

    @Test
    void oneSessionServesConcurrentWorkers() throws Exception {
        List<Features> batch = rows(32);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Model model = net(Map.of())) {
            List<Prediction> expected = model.predict(batch);
            List<Future<List<Prediction>>> runs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                runs.add(pool.submit(() -> model.predict(batch)));
            }
            for (Future<List<Prediction>> run : runs) {
                assertEquals(expected, run.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closeIsIdempotentAndAClosedModelFailsAsAWhole() throws Exception {
        Model model = net(Map.of());
        model.close();
        model.close();
        ModelFailureException e = assertThrows(ModelFailureException.class, () -> model.predict(rows(1)));
        assertTrue(e.getMessage().contains("net"), e.getMessage());
        assertNull(model.info().properties().get("classifier.probabilities"), "a plain network is no ZipMap classifier");
    }
}
