package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.xgboost.fixtures.XgboostFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same logical model, the contract's reference classifier, made by five different frameworks and scored by the
 * same {@code inferstream score} in one JVM: every format gives the reference probabilities and labels. This also
 * proves the CLI's class path holds all adapters at once (TensorFlow and DL4J share one JavaCPP).
 */
class CliFrameworksTest {
    @TempDir
    Path dir;

    private Path input() throws Exception {
        List<String> lines = new ArrayList<>();
        for (double[] x : ReferenceClassifier.sampleInputs(100, 9)) {
            lines.add(ReferenceClassifier.toJson(x));
        }
        return Files.write(dir.resolve("rows.jsonl"), lines);
    }

    private void assertScoresLikeTheReference(String format, double tolerance, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("score", "--input", input().toString()));
        argv.addAll(List.of(args));
        CliTest.Run run = CliTest.cli(argv.toArray(new String[0]));
        assertEquals(0, run.code(), format + ": " + run.err());
        String[] lines = run.out().split("\n");
        double[][] inputs = ReferenceClassifier.sampleInputs(100, 9);
        assertEquals(inputs.length, lines.length, format);
        for (int i = 0; i < lines.length; i++) {
            PredictionJson p = PredictionJson.parse(lines[i].getBytes(StandardCharsets.UTF_8));
            double[] want = ReferenceClassifier.probabilities(inputs[i]);
            assertEquals(ReferenceClassifier.LABELS, List.copyOf(p.probabilities().keySet()), format);
            for (int c = 0; c < want.length; c++) {
                double got = p.probabilities().get(ReferenceClassifier.LABELS.get(c));
                assertTrue(Math.abs(got - want[c]) <= tolerance, format + " row " + i + ": " + got + " vs " + want[c]);
            }
            assertEquals(ReferenceClassifier.label(inputs[i]), p.label(), format + " row " + i);
        }
    }

    @Test
    void everyFormatScoresTheReferenceClassifierAlike() throws Exception {
        Path onnx = Files.write(dir.resolve("reference.onnx"), OnnxModelWriter.referenceClassifier());
        assertScoresLikeTheReference("onnx", 1e-5, "--model", onnx.toString(),
                "--concat", "features=f0,f1,f2,f3", "--labels", "low,mid,high");

        Path tf = SavedModelFixtures.referenceClassifier(dir.resolve("tf"));
        assertScoresLikeTheReference("tensorflow", 1e-5, "--model", tf.toString(),
                "--concat", "features=f0,f1,f2,f3", "--labels", "low,mid,high");

        Path dl4j = Dl4jFixtures.save(Dl4jFixtures.referenceClassifier(), dir.resolve("reference-dl4j.zip"));
        assertScoresLikeTheReference("dl4j", 1e-5, "--model", dl4j.toString(),
                "--concat", "input=f0,f1,f2,f3", "--labels", "low,mid,high");

        Path h2o = MojoFixtures.copyTo("reference_glm", dir);
        assertScoresLikeTheReference("h2o-mojo", 1e-6, "--model", h2o.toString());

        Path xgboost = XgboostFixtures.copyTo("reference.ubj", dir);
        assertScoresLikeTheReference("xgboost", 1e-5, "--model", xgboost.toString(),
                "--option", "class.labels=low,mid,high");

        Path pmml = PmmlFixtures.write(dir, "reference.pmml", PmmlFixtures.referenceClassifier());
        assertScoresLikeTheReference("pmml", 1e-5, "--model", pmml.toString());
    }
}
