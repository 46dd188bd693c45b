package io.inferstream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
