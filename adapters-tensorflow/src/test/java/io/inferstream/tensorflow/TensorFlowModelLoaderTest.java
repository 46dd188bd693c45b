package io.inferstream.tensorflow;

import static io.inferstream.tensorflow.TensorFlowModelTest.assertReferenceProbabilities;
import static io.inferstream.tensorflow.TensorFlowModelTest.classifierRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sniffing, archives, and every load-time and per-record error a user can meet. */
class TensorFlowModelLoaderTest {
    private final TensorFlowModelLoader loader = new TensorFlowModelLoader();

    @TempDir
    Path dir;

    @Test
    void theRegistryFindsTheLoaderAndDetectsSavedModels() throws Exception {
        ModelRegistry registry = ModelRegistry.discover();
        assertTrue(registry.formats().contains("tensorflow"), registry.formats().toString());
        Path saved = SavedModelFixtures.referenceClassifier(dir.resolve("ref"));
        assertInstanceOf(TensorFlowModelLoader.class, registry.detect(ModelSource.of(saved)));
    }

    @Test
    void tfServingsVersionFolderGivesNameAndVersion() throws Exception {
        Path saved = SavedModelFixtures.referenceClassifier(dir.resolve("iris").resolve("3"));
        try (Model model = loader.load(ModelSource.of(saved), Map.of())) {
            assertEquals("iris", model.info().name());
            assertEquals("3", model.info().version());
        }
        ModelSource pbFile = ModelSource.of(saved.resolve("saved_model.pb"));
        assertTrue(loader.accepts(pbFile));
        try (Model model = loader.load(pbFile, Map.of())) {
            assertEquals("iris", model.info().name(), "pointing at saved_model.pb means its folder");
            assertEquals("3", model.info().version());
        }
        try (Model model = loader.load(ModelSource.of(saved), Map.of("name", "flowers"))) {
            assertEquals("flowers", model.info().name());
            assertEquals("3", model.info().version());
        }
    }

    @Test
    void acceptsSavedModelDirectoriesAndArchiveNamesOnly() throws Exception {
        Path saved = SavedModelFixtures.referenceClassifier(dir.resolve("ref"));
        assertTrue(loader.accepts(ModelSource.of(saved)));
        Path zip = SavedModelFixtures.zip(saved, dir.resolve("model.zip"));
        assertTrue(loader.accepts(ModelSource.of(zip)));
        assertTrue(loader.accepts(ModelSource.of(Files.readAllBytes(zip), "model.zip")));
        // An H2O MOJO is a zip too, without a saved_model.pb: leave it to its own loader.
        Path mojo = Files.createDirectories(dir.resolve("mojo"));
        Files.writeString(mojo.resolve("model.ini"), "[info]\nalgo = glm\n");
        Path mojoZip = SavedModelFixtures.zip(mojo, dir.resolve("glm.zip"));
        assertFalse(loader.accepts(ModelSource.of(mojoZip)));
        assertFalse(loader.accepts(ModelSource.of(Files.readAllBytes(mojoZip), "glm.zip")));
        assertFalse(loader.accepts(ModelSource.of(new byte[] {1, 2, 3}, "broken.zip")));
        assertTrue(loader.accepts(ModelSource.of(new byte[0], "model.TAR.GZ")));
        assertTrue(loader.accepts(ModelSource.of(new byte[0], "model.tgz")));
        assertFalse(loader.accepts(ModelSource.of(new byte[0], "model.onnx")));
        assertFalse(loader.accepts(ModelSource.of(Files.createDirectories(dir.resolve("empty")))));
    }

    @Test
    void aZipInMemoryLoadsAndItsUnpackedCopyIsDeletedOnClose() throws Exception {
        Path saved = SavedModelFixtures.referenceClassifier(dir.resolve("ref"));
        byte[] zip = Files.readAllBytes(SavedModelFixtures.zip(saved, dir.resolve("ref.zip")));
        double[][] inputs = ReferenceClassifier.sampleInputs(20, 5);
        Path unpacked;
        try (TensorFlowModel model = (TensorFlowModel) loader.load(ModelSource.of(zip, "classifier.zip"), Map.of())) {
            assertEquals("classifier", model.info().name());
            unpacked = model.unpackedDir();
            assertNotNull(unpacked);
            assertTrue(Files.isRegularFile(unpacked.resolve("saved_model.pb")));
            assertReferenceProbabilities(inputs, model.predict(classifierRows(inputs)));
        }
        assertFalse(Files.exists(unpacked), "unpacked copy deleted on close");
    }

    @Test
    void aTarGzMadeByTarWithATopFolderLoads() throws Exception {
        Path saved = SavedModelFixtures.linearRegression(dir.resolve("regression"));
        Path tgz = SavedModelFixtures.tarGz(saved, dir.resolve("regression.tar.gz"));
        Path unpacked;
        try (TensorFlowModel model = (TensorFlowModel) loader.load(ModelSource.of(tgz), Map.of())) {
            unpacked = model.unpackedDir();
            List<Features> rows = List.of(Features.of("x", Tensor.ofFloats(new float[] {6f})));
            assertEquals(5f, model.predict(rows).get(0).output("y").asFloats()[0], 0f);
        }
        assertFalse(Files.exists(unpacked));
    }

    @Test
    void anArchiveWithoutASavedModelIsRefusedAndLeavesNothingBehind() throws Exception {
        Path notAModel = Files.createDirectories(dir.resolve("stuff"));
        Files.writeString(notAModel.resolve("readme.txt"), "hello");
        byte[] zip = Files.readAllBytes(SavedModelFixtures.zip(notAModel, dir.resolve("stuff.zip")));
        long before = tempDirsLeft();
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader.load(ModelSource.of(zip, "stuff.zip"), Map.of()));
        assertTrue(e.getMessage().contains("stuff") && e.getMessage().contains("no saved_model.pb"), e.getMessage());
        assertEquals(before, tempDirsLeft(), "temp directory removed after a failed load");
    }

    private static long tempDirsLeft() throws Exception {
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("inferstream-tf-")).count();
        }
    }

    @Test
    void aDirectoryThatIsNotASavedModelIsNamed() throws Exception {
        Path notAModel = Files.createDirectories(dir.resolve("my-model"));
        Files.writeString(notAModel.resolve("model.onnx"), "x");
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader.load(ModelSource.of(notAModel), Map.of()));
        assertTrue(e.getMessage().contains("my-model") && e.getMessage().contains("not a SavedModel"), e.getMessage());

        Files.writeString(notAModel.resolve("saved_model.pb"), "this is not a protobuf");
        e = assertThrows(ModelLoadException.class, () -> loader.load(ModelSource.of(notAModel), Map.of()));
        assertTrue(e.getMessage().contains("my-model") && e.getMessage().contains("not a SavedModel protobuf"),
                e.getMessage());
    }

    @Test
    void aMissingTagSetNamesTheTagSetsThereAre() throws Exception {
        Path saved = SavedModelFixtures.referenceClassifier(dir.resolve("ref"));
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader.load(ModelSource.of(saved), Map.of(TensorFlowModelLoader.TAGS, "serve,gpu")));
        assertTrue(e.getMessage().contains("ref") && e.getMessage().contains("[serve, gpu]")
                && e.getMessage().contains("[[serve]]"), e.getMessage());
    }

    @Test
    void aMissingSignatureNamesTheSignaturesThereAre() throws Exception {
        Path saved = SavedModelFixtures.linearRegression(dir.resolve("regression"));
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader.load(ModelSource.of(saved), Map.of(TensorFlowModelLoader.SIGNATURE, "predict")));
        assertTrue(e.getMessage().contains("regression") && e.getMessage().contains("'predict'")
                && e.getMessage().contains("[doubled, serving_default]"), e.getMessage());
    }

    @Test
    void unservableSignaturesNameTheModelTheSignatureAndTheField() throws Exception {
        Path saved = SavedModelFixtures.withUnsupportedSignatures(dir.resolve("odd"));
        try (Model ok = loader.load(ModelSource.of(saved), Map.of())) {
            assertEquals(3f, ok.predict(List.of(Features.of("x", Tensor.scalar(2f)))).get(0).output("y").asFloats()[0]);
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> loader.load(ModelSource.of(saved),
                Map.of(TensorFlowModelLoader.SIGNATURE, SavedModelFixtures.UNBATCHED_SIGNATURE)));
        assertTrue(e.getMessage().contains("odd") && e.getMessage().contains("'unbatched'")
                && e.getMessage().contains("input 'fixed'") && e.getMessage().contains("no batch dimension"), e.getMessage());
        e = assertThrows(ModelLoadException.class, () -> loader.load(ModelSource.of(saved),
                Map.of(TensorFlowModelLoader.SIGNATURE, SavedModelFixtures.HALF_SIGNATURE)));
        assertTrue(e.getMessage().contains("odd") && e.getMessage().contains("'half'")
                && e.getMessage().contains("'h'") && e.getMessage().contains("DT_HALF"), e.getMessage());
    }

    @Test
    void badRecordsAreRejectedWithTheirIndexInTheBatch() throws Exception {
        try (Model model = loader.load(ModelSource.of(SavedModelFixtures.referenceClassifier(dir.resolve("ref"))), Map.of())) {
            List<Features> rows = new ArrayList<>(classifierRows(ReferenceClassifier.sampleInputs(5, 1)));
            rows.set(3, Features.of("features", Tensor.ofFloats(new float[] {1, 2, 3})));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> model.predict(rows));
            assertEquals(3, e.recordIndex());
            assertEquals("features", e.field());

            rows.set(3, Features.of("other", Tensor.ofFloats(new float[] {1, 2, 3, 4})));
            e = assertThrows(InvalidInputException.class, () -> model.predict(rows));
            assertEquals(3, e.recordIndex());
            assertTrue(e.getMessage().contains("missing"), e.getMessage());

            rows.set(3, Features.of("features", Tensor.ofStrings(new String[] {"a", "b", "c", "d"})));
            e = assertThrows(InvalidInputException.class, () -> model.predict(rows));
            assertEquals(3, e.recordIndex());

            rows.set(3, classifierRows(ReferenceClassifier.sampleInputs(1, 9)).get(0));
            assertEquals(5, model.predict(rows).size(), "the same instance scores again after rejections");
        }
    }

    @Test
    void aNestedRowOfTheWrongShapeIsThatRowsFault() throws Exception {
        try (Model model = loader.load(ModelSource.of(SavedModelFixtures.twoInputsTwoOutputs(dir.resolve("two"))), Map.of())) {
            Features good = Features.of(Map.of("matrix", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2),
                    "offset", Tensor.scalar(1.0)));
            Features bad = Features.of(Map.of("matrix", Tensor.ofFloats(new float[] {1, 2, 3}),
                    "offset", Tensor.scalar(1.0)));
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> model.predict(List.of(good, good, bad)));
            assertEquals(2, e.recordIndex());
            assertEquals("matrix", e.field());
            Features fraction = Features.of(Map.of("matrix", Tensor.ofFloats(new float[] {1, 2, 3, 4}),
                    "offset", Tensor.ofStrings(new String[] {"x"}, new long[0])));
            e = assertThrows(InvalidInputException.class, () -> model.predict(List.of(good, fraction)));
            assertEquals(1, e.recordIndex());
            assertEquals("offset", e.field());
        }
    }
}
