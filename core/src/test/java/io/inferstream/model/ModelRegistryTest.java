package io.inferstream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
    /** A loader that recognises names ending in its suffix and loads nothing. */
    record SuffixLoader(String format, String suffix) implements ModelLoader {
        @Override
        public boolean accepts(ModelSource source) {
            return source.lowerCaseName().endsWith(suffix);
        }

        @Override
        public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
            throw new ModelLoadException(format + " loaded " + source.name());
        }
    }

    @Test
    void detectsByNameAndExplicitRegistrationWins() {
        ModelRegistry r = ModelRegistry.empty().register(new SuffixLoader("a", ".a")).register(new SuffixLoader("b", ".b"));
        ModelSource source = ModelSource.of("x".getBytes(StandardCharsets.UTF_8), "m.b");
        assertEquals("b", assertThrows(ModelLoadException.class, () -> r.load(source, null, Map.of())).getMessage().substring(0, 1));
        SuffixLoader replacement = new SuffixLoader("b", ".zzz");
        r.register(replacement);
        assertSame(replacement, assertThrowsNot(() -> r.loader("b")));
        assertEquals(List.of("a", "b"), r.formats());
    }

    /** A well-formed adapter: discovery must still find it when another jar on the class path is broken. */
    public static final class WorkingLoader extends Named {
        public WorkingLoader() {
            super("working");
        }
    }

    /** An adapter whose constructor fails, as one does whose framework classes are missing. */
    public static final class ExplodingLoader extends Named {
        public ExplodingLoader() {
            super("exploding");
            throw new IllegalStateException("framework native library not found");
        }
    }

    /** A loader that recognises nothing: only its presence in the registry matters. */
    abstract static class Named implements ModelLoader {
        private final String format;

        Named(String format) {
            this.format = format;
        }

        @Override
        public String format() {
            return format;
        }

        @Override
        public boolean accepts(ModelSource source) {
            return false;
        }

        @Override
        public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
            throw new ModelLoadException("not a real model");
        }
    }

    @Test
    void aBrokenAdapterJarIsReportedWithItsJarAndTheOthersLoad(@TempDir Path dir) throws Exception {
        Path broken = jarListing(dir.resolve("broken-adapter.jar"),
                "com.example.gone.MissingLoader", ModelRegistryTest.class.getName() + "$ExplodingLoader");
        Path working = jarListing(dir.resolve("working-adapter.jar"), ModelRegistryTest.class.getName() + "$WorkingLoader");
        try (URLClassLoader classPath = new URLClassLoader(new URL[] {broken.toUri().toURL(), working.toUri().toURL()},
                ModelRegistryTest.class.getClassLoader())) {
            ModelRegistry registry = ModelRegistry.discover(classPath);
            assertEquals(List.of("working"), registry.formats());
            List<String> problems = registry.problems();
            assertEquals(2, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains("com.example.gone.MissingLoader"), problems.get(0));
            assertTrue(problems.get(1).contains("ExplodingLoader") && problems.get(1).contains("native library not found"),
                    problems.get(1));
            for (String problem : problems) {
                assertTrue(problem.contains("broken-adapter.jar") && !problem.contains("working-adapter.jar"), problem);
            }
        }
    }

    /** Writes a jar that holds only a service listing of model loaders, as an adapter jar does. */
    private static Path jarListing(Path jar, String... providers) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            out.putNextEntry(new ZipEntry("META-INF/services/" + ModelLoader.class.getName()));
            out.write(("# model loaders\n" + String.join("\n", providers) + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        return jar;
    }

    @Test
    void unknownOrAmbiguousFormatsAreClearErrors() {
        ModelRegistry r = ModelRegistry.empty().register(new SuffixLoader("a", ".x")).register(new SuffixLoader("b", ".x"));
        ModelSource source = ModelSource.of(new byte[1], "m.x");
        assertTrue(assertThrows(ModelLoadException.class, () -> r.detect(source)).getMessage().contains("could be any of"));
        assertTrue(assertThrows(ModelLoadException.class, () -> r.detect(ModelSource.of(new byte[1], "m.y")))
                .getMessage().contains("cannot tell the format"));
        assertTrue(assertThrows(ModelLoadException.class, () -> r.loader("c")).getMessage().contains("known formats: [a, b]"));
    }

    private static ModelLoader assertThrowsNot(ThrowingSupplier s) {
        try {
            return s.get();
        } catch (ModelLoadException e) {
            throw new AssertionError(e);
        }
    }

    interface ThrowingSupplier {
        ModelLoader get() throws ModelLoadException;
    }
}
