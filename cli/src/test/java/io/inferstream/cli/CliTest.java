package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.testkit.contract.PredictionJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as a user runs them: exit codes, what they print, and config errors before anything starts. */
class CliTest {
    @TempDir
    Path dir;

    /** Output of one command run. */
    record Run(int code, String out, String err) {
    }

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path classifier() throws Exception {
        Path model = dir.resolve("classifier.onnx");
        Files.write(model, OnnxModelWriter.referenceClassifier());
        return model;
    }

    @Test
    void scorePrintsOnePredictionPerLineAndExplainsBadLines() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(50, 3);
        List<String> lines = new ArrayList<>();
        for (double[] x : inputs) {
            lines.add(ReferenceClassifier.toJson(x));
        }
        lines.add(7, "{\"f0\": 1, \"f1\": 2}");
        lines.add(20, "");
        lines.add(30, "not json");
        Path input = dir.resolve("in.jsonl");
        Files.write(input, lines);
        Run run = cli("score", "--model", classifier().toString(), "--input", input.toString(),
                "--concat", "features=f0,f1,f2,f3", "--labels", "low,mid,high", "--batch-size", "16");
        assertEquals(0, run.code(), run.err());
        String[] out = run.out().split("\n");
        assertEquals(52, out.length, "one line per non-blank input line");
        assertTrue(out[7].contains("\"line\":8") && out[7].contains("\"stage\":\"validate\"") && out[7].contains("f2"), out[7]);
        assertTrue(out[29].contains("\"line\":31") && out[29].contains("\"stage\":\"decode\""), out[29]);
        int row = 0;
        for (String line : out) {
            if (line.startsWith("{\"line\"")) {
                continue;
            }
            PredictionJson p = PredictionJson.parse(line.getBytes(StandardCharsets.UTF_8));
            double[] want = ReferenceClassifier.probabilities(inputs[row]);
            double[] got = p.numbers("probabilities");
            for (int c = 0; c < 3; c++) {
                assertEquals(want[c], got[c], 1e-5);
            }
            assertEquals(ReferenceClassifier.label(inputs[row]), p.label());
            row++;
        }
        assertEquals(50, row);
        assertTrue(run.err().contains("50 prediction(s), 2 rejected"), run.err());
    }

    @Test
    void inspectShowsNamesTypesShapesAndAnExample() throws Exception {
        Run run = cli("inspect", "--model", classifier().toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("format:      onnx"), run.out());
        assertTrue(run.out().contains("features  float[4]"), run.out());
        assertTrue(run.out().contains("probabilities  float[3]"), run.out());
        assertTrue(run.out().contains("{\"features\": [0.0, 0.0, 0.0, 0.0]}"), run.out());
    }

    @Test
    void inspectWithAnAvroSchemaSaysWhichFieldsFeedWhichInputs() throws Exception {
        Path avsc = dir.resolve("txn.avsc");
        Files.writeString(avsc, "{\"type\":\"record\",\"name\":\"Txn\",\"namespace\":\"shop\",\"fields\":["
                + "{\"name\":\"txn\",\"type\":{\"type\":\"record\",\"name\":\"Amounts\",\"fields\":["
                + "{\"name\":\"f0\",\"type\":\"double\"},{\"name\":\"f1\",\"type\":\"float\"}]}},"
                + "{\"name\":\"f2\",\"type\":\"int\"},{\"name\":\"f3\",\"type\":[\"null\",\"double\"]}]}");
        Run fits = cli("inspect", "--model", classifier().toString(), "--codec", "avro", "--schema", avsc.toString(),
                "--concat", "features=txn.f0,txn.f1,f2,f3");
        assertEquals(0, fits.code(), fits.err());
        assertTrue(fits.out().contains("input 'features' (float[4]) position 0 <- field 'txn.f0' (double)"), fits.out());
        assertTrue(fits.out().contains("position 3 <- field 'f3' (null | double)"), fits.out());
        assertTrue(fits.out().contains("the schema shop.Txn can feed every input of model"), fits.out());

        Run lacking = cli("inspect", "--model", classifier().toString(), "--codec", "avro", "--schema", avsc.toString());
        assertEquals(0, lacking.code(), lacking.err());
        assertTrue(lacking.out().contains("input 'features' (float[4]) <- MISSING: the schema has no field 'features'"),
                lacking.out());
        assertTrue(lacking.out().contains("cannot feed model"), lacking.out());
    }

    @Test
    void aCorruptModelIsAClearError() throws Exception {
        Path bad = dir.resolve("broken.onnx");
        Files.write(bad, "this is not a model".getBytes(StandardCharsets.UTF_8));
        Run run = cli("inspect", "--model", bad.toString());
        assertEquals(1, run.code());
        assertTrue(run.err().contains("broken.onnx"), run.err());
    }

    private Path properties(String... lines) throws Exception {
        Path file = dir.resolve("app.properties");
        Files.write(file, List.of(lines));
        return file;
    }

    @Test
    void configurationMistakesAreNamedBeforeAnythingStarts() throws Exception {
        Path model = classifier();
        String[] base = {"bootstrap.servers=127.0.0.1:1", "group.id=g", "input.topics=in", "output.topic=out",
            "dead.letter.topic=dlt", "model.path=" + model};
        Run missing = cli("run", "--config", properties(java.util.Arrays.copyOf(base, 4)).toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("dead.letter.topic"), missing.err());

        List<String> typo = new ArrayList<>(List.of(base));
        typo.add("worker.thread=2");
        Run unknown = cli("run", "--config", properties(typo.toArray(new String[0])).toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("'worker.thread'") && unknown.err().contains("worker.threads"), unknown.err());

        List<String> badValue = new ArrayList<>(List.of(base));
        badValue.add("input.codec=xml");
        Run codec = cli("run", "--config", properties(badValue.toArray(new String[0])).toString());
        assertEquals(2, codec.code());
        assertTrue(codec.err().contains("input.codec") && codec.err().contains("json"), codec.err());

        List<String> noModel = new ArrayList<>(List.of(base));
        noModel.set(5, "model.path=" + dir.resolve("nope.onnx"));
        Run absent = cli("run", "--config", properties(noModel.toArray(new String[0])).toString());
        assertEquals(2, absent.code());
        assertTrue(absent.err().contains("nope.onnx"), absent.err());

        assertEquals(2, cli("run").code(), "--config is required");
        assertEquals(2, cli("frobnicate").code());
    }

    @Test
    void aMissingTopicIsNamed() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopic("in", 1);
            broker.createTopic("out", 1);
            Path config = properties("bootstrap.servers=" + broker.bootstrapServers(), "group.id=g", "input.topics=in",
                    "output.topic=out", "dead.letter.topic=dlt", "model.path=" + classifier(),
                    "input.concat.features=f0,f1,f2,f3");
            Run run = cli("run", "--config", config.toString());
            assertEquals(2, run.code());
            assertTrue(run.err().contains("'dlt' does not exist"), run.err());
        }
    }
}
