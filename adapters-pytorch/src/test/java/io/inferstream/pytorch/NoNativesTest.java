package io.inferstream.pytorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.pytorch.fixtures.TorchScriptFixtures;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without the natives jar on the class path (a platform the distribution has no libtorch for), loading a TorchScript
 * file fails with a message naming the missing jar, and nothing is downloaded: run in a child JVM whose class path is
 * this test's without {@code pytorch-native-cpu}.
 */
class NoNativesTest {
    @TempDir
    Path dir;

    /** The child JVM: loads the model and prints the load error's message. */
    public static void main(String[] args) throws Exception {
        try {
            ModelRegistry.discover().load(ModelSource.of(Path.of(args[0])), null, Map.of()).close();
            System.out.println("LOADED");
        } catch (ModelLoadException e) {
            System.out.println("REFUSED " + e.getMessage());
        }
    }

    @Test
    void loadingWithoutTheNativesJarSaysWhichJarIsMissing() throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String withoutNatives = Arrays.stream(classPath.split(File.pathSeparator))
                .filter(entry -> !entry.contains("pytorch-native-cpu")).collect(Collectors.joining(File.pathSeparator));
        Path model = TorchScriptFixtures.copyTo("reference.pt", dir);
        ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", withoutNatives, NoNativesTest.class.getName(), model.toString()))
                .redirectErrorStream(true);
        pb.environment().remove("PYTORCH_LIBRARY_PATH");
        pb.environment().put("DJL_CACHE_DIR", dir.resolve("djl-cache").toString());
        Process child = pb.start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, child.exitValue(), output);
        assertTrue(output.contains("REFUSED ") && output.contains("pytorch-native-cpu:2.7.1")
                && output.contains("never downloaded"), output);
        assertTrue(!dir.resolve("djl-cache").toFile().exists() || dir.resolve("djl-cache").toFile().list().length == 0,
                "nothing fetched into the cache: " + output);
    }
}
