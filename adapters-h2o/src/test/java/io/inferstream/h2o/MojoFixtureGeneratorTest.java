package io.inferstream.h2o;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.h2o.fixtures.MojoFixtureGenerator;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.ModelSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains every fixture afresh with H2O 3.44 ({@link MojoFixtureGenerator}, in a child JVM, since H2O wants
 * {@code --add-opens} and never lets its JVM end by itself) and checks the new MOJOs against the new H2O
 * predictions. This keeps the generator working and proves the adapter on models just made by H2O, not only on the
 * committed ones. It takes about 20 seconds.
 */
class MojoFixtureGeneratorTest {
    @TempDir
    Path dir;

    @Test
    void freshlyTrainedMojosScoreAsH2oDoes() throws Exception {
        Path out = dir.resolve("mojos");
        Path log = dir.resolve("generator.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx1g",
                "-Djava.io.tmpdir=" + dir, // H2O's ice root and the generator's scratch files stay under @TempDir
                "-cp", System.getProperty("java.class.path"), MojoFixtureGenerator.class.getName(), out.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(3, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly().waitFor();
        }
        assertTrue(done && p.exitValue() == 0, () -> "generator failed; its log ends:\n" + tail(log));

        String[][] scored = {{"gbm_binomial", "1e-12"}, {"glm_regression", "1e-12"}, {"glm_offset", "1e-12"}, {"reference_glm", "1e-12"},
            {"kmeans_clustering", "0"}, {"isofor_anomaly", "1e-12"}, {"dl_binomial", "1e-9"}, {"gbm_bench", "1e-12"}};
        for (String[] f : scored) {
            Path mojo = out.resolve(f[0] + ".zip");
            assertTrue(Files.size(mojo) < 200_000, f[0] + " stays small enough to commit");
            H2oPredictionsTest.assertMatches(f[0], ModelSource.of(mojo), Files.readAllBytes(mojo),
                    MojoFixtures.parseCsv(Files.readString(out.resolve(f[0] + ".input.csv"))),
                    MojoFixtures.parseCsv(Files.readString(out.resolve(f[0] + ".expected.csv"))), Double.parseDouble(f[1]));
        }
        // The scoring rows are drawn from fixed seeds: the committed inputs are exactly what the generator writes.
        assertEquals(new String(MojoFixtures.class.getResourceAsStream("/io/inferstream/h2o/mojos/gbm_binomial.input.csv")
                .readAllBytes(), StandardCharsets.UTF_8), Files.readString(out.resolve("gbm_binomial.input.csv")));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
