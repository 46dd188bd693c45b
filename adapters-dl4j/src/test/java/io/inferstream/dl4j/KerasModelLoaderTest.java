package io.inferstream.dl4j;

import static io.inferstream.dl4j.Rows.maxAbsDiff;
import static io.inferstream.dl4j.Rows.rows;
import static io.inferstream.dl4j.Rows.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ReferenceClassifier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports the Keras HDF5 files in {@code src/test/resources/keras} (written by {@code make_keras_fixtures.py}
 * in the layout Keras 2 saves, with the ReferenceClassifier's weights) and checks them against the plain-Java
 * reference.
 */
class KerasModelLoaderTest {
    @TempDir
    Path dir;

    /** Copies a fixture out of the class path into the temp dir, as a model would sit on disk. */
    static Path fixture(String name, Path dir) throws IOException {
        try (InputStream in = KerasModelLoaderTest.class.getResourceAsStream("/keras/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource keras/" + name);
            }
            Path file = dir.resolve(name);
            Files.copy(in, file);
            return file;
        }
    }

    @Test
    void sequentialModelBecomesAMultiLayerNetworkThatMatchesTheReference() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(200, 42);
        try (Model model = new KerasModelLoader().load(ModelSource.of(fixture("reference_sequential.h5", dir)), Map.of())) {
            assertEquals("keras", model.info().format());
            assertEquals("reference_sequential", model.info().name());
            assertEquals("Sequential", model.info().properties().get("keras.class"));
            assertEquals("2.2.4", model.info().properties().get("keras.keras_version"));
            assertEquals("MultiLayerNetwork", model.info().properties().get("network"));
            assertFalse(model.info().threadSafe());
            // No InputLayer in this Keras 2.2 file: Keras names the input after the first layer, probs.
            assertEquals(List.of(FieldSpec.tensor("probs_input", DataType.FLOAT, 4)), model.info().inputs());
            assertEquals(List.of(FieldSpec.tensor("probs", DataType.FLOAT, 3)), model.info().outputs());
            List<Prediction> predictions = model.predict(rows("probs_input", inputs));
            for (int i = 0; i < inputs.length; i++) {
                double diff = maxAbsDiff(ReferenceClassifier.probabilities(inputs[i]), values(predictions.get(i), "probs"));
                assertTrue(diff <= 1e-5, "row " + i + " differs by " + diff);
            }
        }
    }

    @Test
    void functionalModelKeepsKerasInputAndOutputNamesAndMatchesTheReference() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(200, 43);
        byte[] bytes = Files.readAllBytes(fixture("reference_functional.h5", dir));
        // From bytes in memory, which the loader must pass to HDF5 through a temporary file and then delete.
        try (Model model = new KerasModelLoader().load(ModelSource.of(bytes, "functional.h5"), Map.of())) {
            assertEquals("Model", model.info().properties().get("keras.class"));
            assertEquals("ComputationGraph", model.info().properties().get("network"));
            assertEquals(List.of(FieldSpec.tensor("a", DataType.FLOAT, 2), FieldSpec.tensor("b", DataType.FLOAT, 2)),
                    model.info().inputs());
            assertEquals(List.of(FieldSpec.tensor("probs", DataType.FLOAT, 3)), model.info().outputs());
            List<Features> batch = new ArrayList<>();
            for (double[] x : inputs) {
                batch.add(Features.builder()
                        .put("a", Tensor.ofFloats(new float[] {(float) x[0], (float) x[1]}))
                        .put("b", Tensor.ofFloats(new float[] {(float) x[2], (float) x[3]})).build());
            }
            List<Prediction> predictions = model.predict(batch);
            for (int i = 0; i < inputs.length; i++) {
                double diff = maxAbsDiff(ReferenceClassifier.probabilities(inputs[i]), values(predictions.get(i), "probs"));
                assertTrue(diff <= 1e-5, "row " + i + " differs by " + diff);
            }
        }
        try (var leftovers = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertTrue(leftovers.noneMatch(p -> p.getFileName().toString().startsWith("inferstream-keras-")),
                    "the temporary copy of the in-memory model is deleted");
        }
    }

    @Test
    void sniffsTheHdf5SignatureAndRejectsOtherFilesClearly() throws Exception {
        Path h5 = fixture("reference_sequential.h5", dir);
        KerasModelLoader loader = new KerasModelLoader();
        assertTrue(loader.accepts(ModelSource.of(h5)));
        assertEquals("keras", ModelRegistry.discover().detect(ModelSource.of(h5)).format());
        Path text = Files.writeString(dir.resolve("model.h5"), "not hdf5");
        assertFalse(loader.accepts(ModelSource.of(text)));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> loader.load(ModelSource.of(text), Map.of()));
        assertTrue(e.getMessage().contains("model model") && e.getMessage().contains("not an HDF5 file"), e.getMessage());
        assertFalse(new Dl4jModelLoader().accepts(ModelSource.of(h5)));
    }
}
