package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.sandbox.models.OnnxModelWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user gets it: {@code inferstream-<version>.tar.gz} unpacked into an empty folder, its own
 * launcher run with nothing but a Java runtime (no Maven, no repository, an empty environment and home folder).
 * Runs after {@code package} (failsafe), since it needs the archive.
 */
class DistributionIT {
    @TempDir
    static Path dir;

    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        Path archive = Path.of(System.getProperty("inferstream.distribution", "target/none.tar.gz"));
        assertTrue(Files.isRegularFile(archive), "no distribution at " + archive + ": run mvn package first");
        Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", unpacked.toString())
                .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, tar.waitFor(), output);
        try (Stream<Path> top = Files.list(unpacked)) {
            home = top.filter(p -> p.getFileName().toString().startsWith("inferstream-")).findFirst().orElseThrow();
        }
    }

    /** Output of one launcher run. */
    record Run(int code, String output) {
    }

    private static Run launch(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(home.resolve("bin/inferstream").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        // Only a Java runtime: JAVA_HOME, the basic tools the script uses, an empty home folder.
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "launcher did not finish: " + output);
        return new Run(p.exitValue(), output);
    }

    /**
     * The build's adapters and no other: all of them by default, only ONNX from {@code -Ponnx-only} (the build passes
     * the list as {@code inferstream.distribution.formats}).
     */
    @Test
    void listsTheFormatsItWasBuiltWithAndNotPmml() throws Exception {
        Run run = launch("formats");
        assertEquals(0, run.code(), run.output());
        List<String> shipped = List.of(System.getProperty("inferstream.distribution.formats",
                "onnx,tensorflow,h2o-mojo,dl4j,xgboost,lightgbm,pytorch").split(","));
        List<String> listed = run.output().lines().map(l -> l.split(" ", 2)[0]).toList();
        for (String format : List.of("onnx", "tensorflow", "h2o-mojo", "dl4j", "xgboost", "lightgbm", "pytorch")) {
            assertEquals(shipped.contains(format), listed.contains(format), format + " in 'formats' (built with "
                    + shipped + "):\n" + run.output());
        }
        assertFalse(run.output().contains("pmml"), "the AGPL-3.0 PMML adapter must not ship:\n" + run.output());
    }

    @Test
    void inspectsAnOnnxModel() throws Exception {
        Path model = Files.write(dir.resolve("classifier.onnx"), OnnxModelWriter.referenceClassifier());
        Run run = launch("inspect", "--model", model.toString());
        assertEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("format:      onnx"), run.output());
        assertTrue(run.output().contains("features  float[4]"), run.output());
        assertTrue(run.output().contains("probabilities  float[3]"), run.output());
    }

    @Test
    void usageMistakesExitWithTwoAndHelpWithZero() throws Exception {
        assertEquals(2, launch("frobnicate").code());
        assertEquals(2, launch("run").code(), "--config is required");
        Run help = launch("score", "--help");
        assertEquals(0, help.code(), help.output());
        assertTrue(help.output().contains("--input"), help.output());
    }

    @Test
    void theDemoRunsFromTheDistributionWithItsOwnBroker() throws Exception {
        Run run = launch("demo", "--records", "2000");
        assertEquals(0, run.code(), run.output());
        assertTrue(run.output().contains("OK: every record is accounted for"), run.output());
    }

    @Test
    void withoutLibDemoTheDemoNamesWhatIsMissing() throws Exception {
        // The class path of run/score/inspect alone: the demo must fail cleanly, not with a NoClassDefFoundError.
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", home.resolve("lib") + "/*", Main.class.getName(), "demo", "--records", "10")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(2, p.exitValue(), output);
        assertTrue(output.contains("inferstream-sandbox") && output.contains("lib/demo/"), output);
    }

    @Test
    void aNormalInspectPrintsNoThirdPartyNoise() throws Exception {
        Path model = Files.write(dir.resolve("quiet.onnx"), OnnxModelWriter.referenceClassifier());
        Run run = launch("inspect", "--model", model.toString());
        assertEquals(0, run.code(), run.output());
        assertTrue(run.output().startsWith("format:"), "nothing before the command's own output:\n" + run.output());
    }

    @Test
    void theRunClassPathCarriesNoTestCodeOrBroker() throws Exception {
        List<String> lib;
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            lib = jars.map(p -> p.getFileName().toString()).collect(Collectors.toList());
        }
        for (String jar : lib) {
            assertFalse(jar.startsWith("inferstream-sandbox") || jar.startsWith("kafka_2.13")
                    || jar.startsWith("kafka-server") || jar.contains("pmml"), "lib/ must not hold " + jar);
        }
        assertTrue(lib.stream().anyMatch(j -> j.startsWith("inferstream-cli")), lib.toString());
        try (Stream<Path> demo = Files.list(home.resolve("lib/demo"))) {
            assertTrue(demo.anyMatch(p -> p.getFileName().toString().startsWith("inferstream-sandbox")),
                    "lib/demo/ holds the demo's broker");
        }
    }

    /** A test framework is test code: no JUnit, opentest4j or testkit jar anywhere in the distribution, lib/demo/ too. */
    @Test
    void theDistributionCarriesNoTestFramework() throws Exception {
        List<String> testJars;
        try (Stream<Path> files = Files.walk(home)) {
            testJars = files.filter(Files::isRegularFile)
                    .map(p -> home.relativize(p).toString())
                    .filter(DistributionIT::isTestFrameworkJar)
                    .collect(Collectors.toList());
        }
        assertEquals(List.of(), testJars, "the distribution must carry no test framework");
    }

    static boolean isTestFrameworkJar(String path) {
        String name = Path.of(path).getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".jar") && (name.startsWith("junit") || name.startsWith("opentest4j")
                || name.startsWith("apiguardian") || name.startsWith("inferstream-testkit"));
    }
}
