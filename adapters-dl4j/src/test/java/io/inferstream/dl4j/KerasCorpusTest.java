package io.inferstream.dl4j;

import static io.inferstream.dl4j.Rows.maxAbsDiff;
import static io.inferstream.dl4j.Rows.rows;
import static io.inferstream.dl4j.Rows.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ReferenceClassifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corpus of Keras HDF5 files that {@code make_keras_fixtures.py} writes the way Keras 2.1, 2.2 and tf.keras
 * 2.6 lay them out (issue 14): each must come in with the input and output names Keras gives it and score as a
 * forward pass computed here in plain double arithmetic, from the same weight formulas as the script's.
 */
class KerasCorpusTest {
    private static final int ROWS = 200;
    /** DL4J computes in float32; the largest value here is a few units, so this is a few float ulps. */
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    /** The script's kernel formula: {@code kernel[i][j] = ((7i + 3j + seed) mod 11 - 5) / 8}, shape {@code [in][out]}. */
    static double kernel(int seed, int i, int j) {
        return ((7 * i + 3 * j + seed) % 11 - 5) / 8.0;
    }

    /** The script's bias formula: {@code bias[j] = ((5j + seed) mod 7 - 3) / 16}. */
    static double bias(int seed, int j) {
        return ((5 * j + seed) % 7 - 3) / 16.0;
    }

    /** A Keras Dense layer without its activation: {@code x · kernel + bias}. */
    static double[] dense(double[] x, int kernelSeed, int biasSeed, int units) {
        double[] z = new double[units];
        for (int j = 0; j < units; j++) {
            z[j] = bias(biasSeed, j);
            for (int i = 0; i < x.length; i++) {
                z[j] += x[i] * kernel(kernelSeed, i, j);
            }
        }
        return z;
    }

    static double[] relu(double[] z) {
        double[] a = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            a[j] = Math.max(0, z[j]);
        }
        return a;
    }

    static double[] tanh(double[] z) {
        double[] a = new double[z.length];
        for (int j = 0; j < z.length; j++) {
            a[j] = Math.tanh(z[j]);
        }
        return a;
    }

    /** Keras BatchNormalization at inference, with the script's gamma, beta, moving mean and variance formulas. */
    static double[] batchNorm(double[] h) {
        double[] a = new double[h.length];
        for (int j = 0; j < h.length; j++) {
            double gamma = 1 + j / 8.0;
            double beta = (j - 2) / 16.0;
            double mean = (j - 1) / 4.0;
            double variance = 0.5 + j / 4.0;
            a[j] = (h[j] - mean) / Math.sqrt(variance + 0.001) * gamma + beta;
        }
        return a;
    }

    /**
     * Loads a corpus file and checks its signature and every output of {@value #ROWS} rows against plain Java.
     *
     * @param input the input name Keras gives the model
     * @param expected output name → its plain-Java value for an input row, in the model's output order
     * @return the loaded model, still open, for further checks
     */
    private Model loadAndCheck(String file, String kerasVersion, String input, Map<String, Function<double[], double[]>> expected)
            throws Exception {
        Model model = new KerasModelLoader().load(ModelSource.of(KerasModelLoaderTest.fixture(file, dir)), Map.of());
        try {
            assertEquals(kerasVersion, model.info().properties().get("keras.keras_version"));
            assertEquals(List.of(FieldSpec.tensor(input, DataType.FLOAT, 4)), model.info().inputs());
            double[] probe = {1, 2, 3, 4};
            List<FieldSpec> outputs = expected.entrySet().stream()
                    .map(e -> FieldSpec.tensor(e.getKey(), DataType.FLOAT, e.getValue().apply(probe).length)).toList();
            assertEquals(outputs, model.info().outputs());
            double[][] inputs = ReferenceClassifier.sampleInputs(ROWS, file.hashCode());
            List<Prediction> predictions = model.predict(rows(input, inputs));
            for (int i = 0; i < inputs.length; i++) {
                for (Map.Entry<String, Function<double[], double[]>> e : expected.entrySet()) {
                    double diff = maxAbsDiff(e.getValue().apply(inputs[i]), values(predictions.get(i), e.getKey()));
                    assertTrue(diff <= TOLERANCE, file + " row " + i + " output " + e.getKey() + " differs by " + diff);
                }
            }
            return model;
        } catch (Exception | AssertionError e) {
            model.close();
            throw e;
        }
    }

    @Test
    void keras21SequentialWrittenAsABareListNamesItsInputAfterTheFirstLayer() throws Exception {
        Function<double[], double[]> out = x -> dense(tanh(dense(x, 5, 6, 3)), 7, 8, 2);
        try (Model model = loadAndCheck("corpus_keras216_list.h5", "2.1.6", "dense_1_input", Map.of("dense_2", out))) {
            assertEquals("Sequential", model.info().properties().get("keras.class"));
        }
    }

    @Test
    void keras22SequentialWithoutAnInputLayerNamesItsInputAfterTheFirstLayer() throws Exception {
        Function<double[], double[]> out = x -> ReferenceClassifier.softmax(dense(relu(dense(x, 1, 2, 5)), 3, 4, 3));
        try (Model model = loadAndCheck("corpus_keras224_sequential.h5", "2.2.4", "hidden_input", Map.of("scores", out))) {
            assertEquals("MultiLayerNetwork", model.info().properties().get("network"));
        }
    }

    @Test
    void tfKerasSequentialUsesTheInputLayerKerasAddedAndIgnoresTheTrainingConfig() throws Exception {
        Function<double[], double[]> out = x -> ReferenceClassifier.softmax(dense(batchNorm(relu(dense(x, 9, 10, 5))), 11, 12, 3));
        loadAndCheck("corpus_tf2_sequential.h5", "2.6.0", "dense_input", Map.of("dense_1", out)).close();
    }

    @Test
    void tfKerasSequentialBegunWithANamedInputKeepsThatName() throws Exception {
        Function<double[], double[]> out = x -> ReferenceClassifier.softmax(dense(x, 13, 14, 3));
        loadAndCheck("corpus_tf2_named_input.h5", "2.6.0", "features", Map.of("probs", out)).close();
    }

    @Test
    void tfKerasFunctionalModelWithTwoOutputsKeepsEveryKerasName() throws Exception {
        Function<double[], double[]> hidden = x -> relu(dense(x, 15, 16, 6));
        Map<String, Function<double[], double[]>> outputs = new LinkedHashMap<>();
        outputs.put("price", x -> dense(hidden.apply(x), 17, 18, 1));
        outputs.put("segment", x -> ReferenceClassifier.softmax(dense(hidden.apply(x), 19, 20, 3)));
        try (Model model = loadAndCheck("corpus_tf2_functional.h5", "2.6.0", "measurements", outputs)) {
            assertEquals("Functional", model.info().properties().get("keras.class"));
            assertEquals("ComputationGraph", model.info().properties().get("network"));
        }
    }

    @Test
    void aSequentialModelStillTakesRowsThatCallItsInputInputButRecordsMustUseTheKerasName() throws Exception {
        Path file = KerasModelLoaderTest.fixture("corpus_keras224_sequential.h5", dir);
        double[][] inputs = ReferenceClassifier.sampleInputs(20, 7);
        try (Model model = new KerasModelLoader().load(ModelSource.of(file), Map.of())) {
            List<Prediction> byKerasName = model.predict(rows("hidden_input", inputs));
            assertEquals(byKerasName, model.predict(rows("input", inputs)), "the old name is an alias in Model.predict");
            // The engine's decoder knows only the declared names: a record must say hidden_input.
            JsonRecordDecoder decoder = new JsonRecordDecoder(model.info(), Map.of(), false);
            Features decoded = decoder.decode(json("hidden_input", inputs[0]));
            assertEquals(byKerasName.get(0), model.predict(List.of(decoded)).get(0));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> decoder.decode(json("input", inputs[0])));
            assertTrue(e.getMessage().contains("hidden_input"), e.getMessage());
        }
        // Records that say "input" keep working with the option that names the input, as before; then only that
        // name is meant, so the Keras name is no alias.
        try (Model model = new KerasModelLoader().load(ModelSource.of(file), Map.of("input.name", "input"))) {
            assertEquals("input", model.info().inputs().get(0).name());
            JsonRecordDecoder decoder = new JsonRecordDecoder(model.info(), Map.of(), false);
            assertEquals(model.predict(rows("input", inputs)).get(0), model.predict(List.of(decoder.decode(json("input", inputs[0])))).get(0));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> model.predict(rows("hidden_input", inputs)));
            assertEquals("input", e.field());
        }
    }

    @Test
    void theShapeOptionTakesTheKerasNameOrTheOldOne() throws Exception {
        Path file = KerasModelLoaderTest.fixture("corpus_keras224_sequential.h5", dir);
        for (String key : List.of("input.shape.hidden_input", "input.shape.input")) {
            try (Model model = new KerasModelLoader().load(ModelSource.of(file), Map.of(key, "2,2"))) {
                assertEquals(FieldSpec.tensor("hidden_input", DataType.FLOAT, 2, 2), model.info().inputs().get(0), key);
            }
        }
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> new KerasModelLoader().load(ModelSource.of(file), Map.of("input.shape.dense_input", "4")));
        assertTrue(e.getMessage().contains("option input.shape.dense_input names no input; the inputs are [hidden_input]"),
                e.getMessage());
    }

    private static byte[] json(String field, double[] x) {
        StringBuilder sb = new StringBuilder("{\"").append(field).append("\":[");
        for (int j = 0; j < x.length; j++) {
            sb.append(j == 0 ? "" : ",").append(x[j]);
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
