package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.serve.InferenceServer;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every embedded format, served by {@code inferstream serve}'s {@link InferenceServer} and scored back through each
 * remote loader (v2 REST, v2 gRPC, TF Serving REST): the same predictions as the embedded model within 1e-6, output by
 * output, with labels and class probabilities. And {@code inspect}/{@code score} take the server's URL as they take
 * the file.
 */
class CliRemoteTest {
    private static final double TOLERANCE = 1e-6;
    private final ModelRegistry registry = ModelRegistry.discover();

    @TempDir
    Path dir;

    private List<Features> rows(Model model, String concatInput) {
        JsonRecordDecoder decoder = new JsonRecordDecoder(model.info(),
                concatInput == null ? Map.of() : Map.of(concatInput, List.of("f0", "f1", "f2", "f3")), false);
        List<Features> rows = new ArrayList<>();
        for (double[] x : ReferenceClassifier.sampleInputs(40, 11)) {
            try {
                rows.add(decoder.decode(ReferenceClassifier.toJson(x).getBytes(StandardCharsets.UTF_8)));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return rows;
    }

    private static void assertSame(String what, List<Prediction> want, List<Prediction> got) {
        assertEquals(want.size(), got.size(), what);
        for (int i = 0; i < want.size(); i++) {
            Prediction w = want.get(i);
            Prediction g = got.get(i);
            assertEquals(w.outputs().keySet(), g.outputs().keySet(), what + " row " + i);
            for (Map.Entry<String, Tensor> e : w.outputs().entrySet()) {
                Tensor a = e.getValue();
                Tensor b = g.output(e.getKey());
                assertEquals(a.size(), b.size(), what + " " + e.getKey());
                for (int k = 0; k < a.size(); k++) {
                    if (a.type().isNumeric() || a.type() == DataType.BOOL) {
                        assertEquals(a.getDouble(k), b.getDouble(k), TOLERANCE, what + " row " + i + " " + e.getKey());
                    } else {
                        assertEquals(String.valueOf(a.get(k)), String.valueOf(b.get(k)), what + " row " + i);
                    }
                }
            }
            assertEquals(w.label(), g.label(), what + " row " + i);
            assertEquals(w.probabilities().keySet(), g.probabilities().keySet(), what + " row " + i);
            w.probabilities().forEach((c, p) -> assertEquals(p, g.probabilities().get(c), TOLERANCE, what));
        }
    }

    private void assertRemoteEqualsEmbedded(String format, Path file, String concatInput) throws Exception {
        try (Model embedded = registry.load(ModelSource.of(file), format, Map.of());
                InferenceServer server = InferenceServer.builder().host("127.0.0.1").restPort(0).grpcPort(0)
                        .model("m", registry.load(ModelSource.of(file), format, Map.of())).start()) {
            List<Features> rows = rows(embedded, concatInput);
            List<Prediction> want = embedded.predict(rows);
            for (String url : List.of("http://127.0.0.1:" + server.restPort() + "/v2/models/m",
                    "grpc://127.0.0.1:" + server.grpcPort() + "/m",
                    "http://127.0.0.1:" + server.restPort() + "/v1/models/m")) {
                try (Model remote = registry.load(ModelSource.of(URI.create(url)), null, Map.of())) {
                    assertEquals(embedded.info().inputs().size(), remote.info().inputs().size(), format + " " + url);
                    assertSame(format + " via " + url, want, remote.predict(rows));
                }
            }
        }
    }

    @Test
    void everyEmbeddedFormatServedAndCalledRemotelyPredictsAsEmbedded() throws Exception {
        assertRemoteEqualsEmbedded("onnx", Files.write(dir.resolve("reference.onnx"),
                OnnxModelWriter.referenceClassifier()), "features");
        assertRemoteEqualsEmbedded("pmml", PmmlFixtures.write(dir, "reference.pmml",
                PmmlFixtures.referenceClassifier()), null);
        assertRemoteEqualsEmbedded("h2o-mojo", MojoFixtures.copyTo("reference_glm", dir), null);
        assertRemoteEqualsEmbedded("tensorflow", SavedModelFixtures.referenceClassifier(dir.resolve("tf")), "features");
        assertRemoteEqualsEmbedded("dl4j", Dl4jFixtures.save(Dl4jFixtures.referenceClassifier(),
                dir.resolve("reference-dl4j.zip")), "input");
    }

    @Test
    void inspectAndScoreTakeAServersUrlAsTheyTakeAFile() throws Exception {
        Path onnx = Files.write(dir.resolve("classifier.onnx"), OnnxModelWriter.referenceClassifier());
        List<String> lines = new ArrayList<>();
        for (double[] x : ReferenceClassifier.sampleInputs(30, 5)) {
            lines.add(ReferenceClassifier.toJson(x));
        }
        Path input = Files.write(dir.resolve("rows.jsonl"), lines);
        try (InferenceServer server = InferenceServer.builder().host("127.0.0.1").restPort(0).grpcPort(0)
                .model("classifier", registry.load(ModelSource.of(onnx), "onnx", Map.of())).start()) {
            String url = "http://127.0.0.1:" + server.restPort() + "/v2/models/classifier";
            CliTest.Run inspect = CliTest.cli("inspect", "--model", url);
            assertEquals(0, inspect.code(), inspect.err());
            assertTrue(inspect.out().contains("kserve-v2") && inspect.out().contains("features"), inspect.out());
            String[] score = {"--input", input.toString(), "--concat", "features=f0,f1,f2,f3", "--labels",
                    "low,mid,high"};
            CliTest.Run local = CliTest.cli(concat(new String[] {"score", "--model", onnx.toString()}, score));
            CliTest.Run remote = CliTest.cli(concat(new String[] {"score", "--model", url}, score));
            assertEquals(0, remote.code(), remote.err());
            String[] a = local.out().split("\n");
            String[] b = remote.out().split("\n");
            assertEquals(30, b.length);
            for (int i = 0; i < a.length; i++) {
                // Same probabilities and label; the model's name and format in the record differ by design.
                assertEquals(a[i].replaceAll("\"model\":\"[^\"]*\",\"version\":\"[^\"]*\",", ""),
                        b[i].replaceAll("\"model\":\"[^\"]*\",\"version\":\"[^\"]*\",", ""), "line " + i);
            }
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
