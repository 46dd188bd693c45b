package io.inferstream.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.RecordScorer;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.tensorflow.fixtures.Tf1StyleSavedModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TF1-estimator-style SavedModel (hand-assembled {@code saved_model.pb}: serialized tf.Example input parsed in
 * the graph, ref variables set by a main op, a classify signature) loads and gives the reference classifier's
 * probabilities and labels, also through the engine's JSON decoder with TF Serving's {"b64": ...} convention.
 */
class Tf1StyleModelTest {
    private final TensorFlowModelLoader loader = new TensorFlowModelLoader();

    @TempDir
    Path dir;

    private static List<Features> exampleRows(String field, double[][] inputs) {
        List<Features> rows = new ArrayList<>();
        for (double[] x : inputs) {
            rows.add(Features.of(field, Tensor.ofBytes(new byte[][] {Tf1StyleSavedModel.example(x)}, new long[0])));
        }
        return rows;
    }

    private static void assertReference(double[] x, Prediction p, String where) {
        double[] want = ReferenceClassifier.probabilities(x);
        assertEquals(ReferenceClassifier.LABELS, List.copyOf(p.probabilities().keySet()), where);
        for (int c = 0; c < want.length; c++) {
            assertEquals(want[c], p.probabilities().get(ReferenceClassifier.LABELS.get(c)), 1e-5, where);
        }
        assertEquals(ReferenceClassifier.label(x), p.label().orElseThrow(), where);
    }

    @Test
    void theClassifySignatureGivesLabelsAndTheReferenceProbabilities() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(200, 42);
        try (Model model = loader.load(ModelSource.of(Tf1StyleSavedModel.classifier(dir.resolve("estimator"))), Map.of())) {
            assertEquals(List.of(FieldSpec.scalar("inputs", DataType.BYTES)), model.info().inputs());
            assertEquals(List.of(FieldSpec.tensor("classes", DataType.STRING, 3), FieldSpec.tensor("scores", DataType.FLOAT, 3)),
                    model.info().outputs());
            assertEquals("tensorflow/serving/classify", model.info().properties().get("method"));
            List<Prediction> out = model.predict(exampleRows("inputs", inputs));
            for (int i = 0; i < inputs.length; i++) {
                assertReference(inputs[i], out.get(i), "row " + i);
                assertArrayEquals(ReferenceClassifier.LABELS.toArray(new String[0]),
                        out.get(i).output("classes").asStrings());
            }
        }
    }

    @Test
    void thePredictSignatureKeepsItsOwnOutputs() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(50, 3);
        try (Model model = loader.load(ModelSource.of(Tf1StyleSavedModel.classifier(dir.resolve("estimator"))),
                Map.of(TensorFlowModelLoader.SIGNATURE, Tf1StyleSavedModel.PREDICT_SIGNATURE))) {
            List<Prediction> out = model.predict(exampleRows("examples", inputs));
            for (int i = 0; i < inputs.length; i++) {
                assertFalse(out.get(i).label().isPresent(), "a predict signature has no classifier view of its own");
                double[] want = ReferenceClassifier.probabilities(inputs[i]);
                float[] got = out.get(i).output("probabilities").asFloats();
                for (int c = 0; c < want.length; c++) {
                    assertEquals(want[c], got[c], 1e-5);
                }
                long expectedId = ReferenceClassifier.LABELS.indexOf(ReferenceClassifier.label(inputs[i]));
                assertArrayEquals(new long[] {expectedId}, out.get(i).output("class_ids").asLongs());
            }
        }
    }

    private static EngineConfig offlineConfig() {
        return new EngineConfig(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9", EngineConfig.GROUP_ID, "g",
                EngineConfig.INPUT_TOPICS, "in", EngineConfig.OUTPUT_TOPIC, "out", EngineConfig.DEAD_LETTER_TOPIC, "dlt", EngineConfig.MAX_BATCH_SIZE, 64));
    }

    @Test
    void base64ExamplesInJsonScoreInOneModelCallPerBatchAndACorruptOneIsIsolated() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(200, 11);
        try (Model model = loader.load(ModelSource.of(Tf1StyleSavedModel.classifier(dir.resolve("estimator"))), Map.of())) {
            RecordScorer scorer = new RecordScorer(model, RecordCodecs.decoder(offlineConfig(), model.info()), 64, 1 << 20);
            List<byte[]> values = new ArrayList<>();
            for (double[] x : inputs) {
                String b64 = Base64.getEncoder().encodeToString(Tf1StyleSavedModel.example(x));
                values.add(("{\"inputs\": {\"b64\": \"" + b64 + "\"}}").getBytes(StandardCharsets.UTF_8));
            }
            List<ScoredRecord<Prediction>> results = scorer.score(values);
            assertEquals(4, scorer.modelCallsAndReset(), "200 records at batch size 64 are 4 model calls");
            for (int i = 0; i < inputs.length; i++) {
                ScoredRecord<Prediction> r = results.get(i);
                assertTrue(r.ok(), () -> "rejected: " + r.error());
                assertReference(inputs[i], r.prediction(), "record " + i);
            }

            // Bytes that are no tf.Example pass every signature check; only ParseExample in the graph finds out.
            values.set(5, "{\"inputs\": {\"b64\": \"AAECAwQ=\"}}".getBytes(StandardCharsets.UTF_8));
            results = scorer.score(values.subList(0, 10));
            for (int i = 0; i < 10; i++) {
                assertEquals(i != 5, results.get(i).ok(), "record " + i);
            }
            assertTrue(results.get(5).error() instanceof InvalidInputException, results.get(5).error().toString());
        }
    }

    @Test
    void aCorruptExampleIsAPerRecordErrorWithoutAnIndex() throws Exception {
        try (Model model = loader.load(ModelSource.of(Tf1StyleSavedModel.classifier(dir.resolve("estimator"))), Map.of())) {
            List<Features> rows = new ArrayList<>(exampleRows("inputs", ReferenceClassifier.sampleInputs(3, 1)));
            rows.set(1, Features.of("inputs", Tensor.scalar("not a tf.Example")));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> model.predict(rows));
            assertEquals(InvalidInputException.UNKNOWN_RECORD, e.recordIndex());
            assertTrue(e.getMessage().contains("estimator") && e.getMessage().contains("serving_default"), e.getMessage());
        }
    }
}
