package io.inferstream.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real ONNX models written by the sandbox, run by ONNX Runtime, checked against plain-Java computations. */
class OnnxModelTest {
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    private static Model load(byte[] onnx, String name) throws Exception {
        return new OnnxModelLoader().load(ModelSource.of(onnx, name), Map.of());
    }

    @Test
    void denseNetworkMatchesThePlainJavaForwardPassInOneBatch() throws Exception {
        DenseNetwork net = DenseNetwork.mnistSized();
        Path file = dir.resolve("mnist.onnx");
        Files.write(file, OnnxModelWriter.denseNetwork(net));
        float[][] x = net.sampleInputs(64, 3);
        List<Features> batch = new ArrayList<>();
        for (float[] row : x) {
            batch.add(Features.of("input", Tensor.ofFloats(row)));
        }
        try (Model model = ModelRegistry.discover().load(ModelSource.of(file), null, Map.of())) {
            assertEquals("onnx", model.info().format(), "the registry picks the ONNX loader by the .onnx name");
            assertEquals("mnist", model.info().name());
            List<Prediction> out = model.predict(batch);
            assertEquals(x.length, out.size());
            for (int r = 0; r < x.length; r++) {
                Tensor p = out.get(r).output("probabilities");
                assertEquals(DataType.FLOAT, p.type());
                assertArrayEquals(new long[] {10}, p.shape());
                double[] want = net.forward(x[r]);
                for (int o = 0; o < want.length; o++) {
                    assertEquals(want[o], p.getDouble(o), TOLERANCE, "row " + r + " class " + o);
                }
            }
        }
    }

    @Test
    void signatureDropsTheBatchDimension() throws Exception {
        try (Model model = load(OnnxModelWriter.denseNetwork(DenseNetwork.random(6, 4, 3, 1)), "small.onnx")) {
            ModelInfo info = model.info();
            assertEquals(List.of(FieldSpec.tensor("input", DataType.FLOAT, 6)), info.inputs());
            assertEquals(List.of(FieldSpec.tensor("probabilities", DataType.FLOAT, 3)), info.outputs());
            assertTrue(info.threadSafe(), "ONNX Runtime sessions may be run concurrently");
            assertEquals("inferstream-sandbox", info.properties().get("producer"));
            assertEquals("1", info.properties().get(OnnxModelLoader.INTRA_OP_THREADS));
        }
    }

    @Test
    void referenceClassifierMatchesTheReferenceProbabilities() throws Exception {
        double[][] x = ReferenceClassifier.sampleInputs(200, 11);
        List<Features> batch = new ArrayList<>();
        for (double[] row : x) {
            float[] f = new float[row.length];
            for (int j = 0; j < f.length; j++) {
                f[j] = (float) row[j];
            }
            batch.add(Features.of("features", Tensor.ofFloats(f)));
        }
        try (Model model = load(OnnxModelWriter.referenceClassifier(), "reference.onnx")) {
            List<Prediction> out = model.predict(batch);
            for (int r = 0; r < x.length; r++) {
                Tensor p = out.get(r).output("probabilities");
                double[] want = ReferenceClassifier.probabilities(x[r]);
                for (int c = 0; c < want.length; c++) {
                    assertEquals(want[c], p.getDouble(c), TOLERANCE, "row " + r + " class " + c);
                }
            }
        }
    }

    @Test
    void zipMapClassifierGivesLabelAndProbabilitiesInClassOrder() throws Exception {
        double[][] x = ReferenceClassifier.sampleInputs(100, 5);
        List<Features> batch = new ArrayList<>();
        for (double[] row : x) {
            // Doubles into a float input: the adapter narrows them, as it would a JSON number.
            batch.add(Features.of("features", Tensor.ofDoubles(row)));
        }
        try (Model model = load(OnnxModelWriter.labelledReferenceClassifier(), "labelled.onnx")) {
            ModelInfo info = model.info();
            assertEquals(FieldSpec.scalar("label", DataType.STRING), info.outputs().get(0));
            assertEquals(FieldSpec.tensor("probabilities", DataType.FLOAT, 3), info.outputs().get(1));
            assertEquals("low,mid,high", info.properties().get("classifier.classes"));
            assertEquals("label", info.properties().get("classifier.label"));
            List<Prediction> out = model.predict(batch);
            for (int r = 0; r < x.length; r++) {
                Prediction p = out.get(r);
                assertEquals(ReferenceClassifier.label(x[r]), p.label().orElseThrow(), "row " + r);
                assertEquals(Tensor.scalar(ReferenceClassifier.label(x[r])), p.output("label"), "label output kept");
                assertEquals(ReferenceClassifier.LABELS, List.copyOf(p.probabilities().keySet()));
                double[] want = ReferenceClassifier.probabilities(x[r]);
                Tensor kept = p.output("probabilities");
                for (int c = 0; c < want.length; c++) {
                    assertEquals(want[c], p.probabilities().get(ReferenceClassifier.LABELS.get(c)), TOLERANCE);
                    assertEquals(want[c], kept.getDouble(c), TOLERANCE);
                }
            }
        }
    }
}
