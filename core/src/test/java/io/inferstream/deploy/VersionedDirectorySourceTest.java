package io.inferstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.model.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TF Serving's {@code <base>/<version>/} layout: which folders are versions, and what each policy offers. */
class VersionedDirectorySourceTest {
    @TempDir
    Path base;

    private void layout() throws Exception {
        Files.write(Files.createDirectories(base.resolve("1")).resolve("model.onnx"), new byte[] {1});
        Files.write(Files.createDirectories(base.resolve("0002")).resolve("model.onnx"), new byte[] {2});
        Files.write(Files.createDirectories(base.resolve("3.tmp")).resolve("model.onnx"), new byte[] {3});
        Files.createDirectories(base.resolve("4")); // empty: still being copied
        Files.write(Files.createDirectories(base.resolve("notes")).resolve("x"), new byte[] {4});
    }

    private DeploymentSpec initial(String policy, RoutingSpec routing) throws ModelLoadException {
        try (VersionedDirectorySource source = new VersionedDirectorySource(base, null, policy, routing,
                Duration.ofMillis(50), path -> () -> {
                    throw new ModelLoadException("not loaded in this test: " + path);
                })) {
            return source.initial(Duration.ofSeconds(5));
        }
    }

    @Test
    void offersNumberedNonEmptyFoldersByPolicy() throws Exception {
        layout();
        assertTrue(VersionedDirectorySource.isVersionedBase(base));
        DeploymentSpec latest = initial("latest", null);
        assertEquals(List.of("1", "2"), List.copyOf(latest.versions().keySet()), "3.tmp, the empty 4 and notes ignored");
        assertEquals(Optional.of(base.getFileName().toString()), latest.modelName());
        assertEquals(List.of("1"), List.copyOf(initial("specific:1", null).versions().keySet()));
        DeploymentSpec all = initial("all", RoutingSpec.parse("1=90,2=10", "", true));
        assertEquals("weights 1=90,2=10", all.routing().get().toString());
        assertEquals(base.resolve("1").resolve("model.onnx"), VersionedDirectorySource.modelPathIn(base.resolve("1")));
    }

    @Test
    void policyMistakesAreExplained() throws Exception {
        layout();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> initial("newest", null)).getMessage()
                .contains("latest, all or specific:N"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> initial("latest", RoutingSpec.single("1"))).getMessage().contains("model.version.policy=all"));
    }

    @Test
    void aSavedModelFolderIsNotABaseOfVersions() throws Exception {
        Files.write(base.resolve("saved_model.pb"), new byte[] {1});
        Files.createDirectories(base.resolve("1"));
        assertFalse(VersionedDirectorySource.isVersionedBase(base));
    }
}
