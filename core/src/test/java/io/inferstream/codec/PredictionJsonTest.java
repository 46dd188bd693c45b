package io.inferstream.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading the engine's prediction JSON back: outputs as written and flattened, nulls, and fields it does not know. */
class PredictionJsonTest {
    private static PredictionJson parse(String json) {
        return PredictionJson.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void outputsKeepTheirShapeInValuesAndAreFlattenedInOutputs() {
        PredictionJson p = parse("{\"key\":\"k\",\"model\":\"m\",\"version\":\"2\",\"outputs\":{\"t\":[[1,2.5],[null,4]],"
                + "\"s\":\"yes\",\"b\":true},\"label\":\"x\",\"probabilities\":{\"x\":0.75,\"y\":0.25}}");
        assertEquals("k", p.key());
        assertEquals("m", p.model());
        assertEquals("2", p.version());
        assertEquals("x", p.label());
        assertEquals(Map.of("t", List.of(List.of(1.0, 2.5), Arrays.asList(null, 4.0)), "s", "yes", "b", true),
                p.values());
        assertEquals(List.of("t", "s", "b"), List.copyOf(p.values().keySet()), "the model's output order");
        assertEquals(Arrays.asList(1.0, 2.5, null, 4.0), p.outputs().get("t"));
        assertEquals(List.of("yes"), p.outputs().get("s"));
        assertEquals(List.of(0.75, 0.25), List.copyOf(p.probabilities().values()));
    }

    @Test
    void aNullProbabilityIsNaNAsTheEngineWritesNonFiniteNumbersAsNull() {
        PredictionJson p = parse("{\"model\":\"m\",\"version\":\"1\",\"outputs\":{\"p\":[0.5]},"
                + "\"probabilities\":{\"a\":null,\"b\":1}}");
        assertTrue(Double.isNaN(p.probabilities().get("a")));
        assertEquals(1.0, p.probabilities().get("b"));
        assertArrayEquals(new double[] {0.5}, p.numbers("p"));
    }

    @Test
    void fieldsOfALaterFormatAreSkipped() {
        PredictionJson p = parse("{\"model\":\"m\",\"trace\":{\"a\":[1,{\"b\":2}]},\"outputs\":{\"o\":{\"x\":1},"
                + "\"n\":3},\"extra\":[1,2],\"version\":\"1\",\"key\":null}");
        assertEquals("1", p.version(), "read past the unknown object and array");
        assertNull(p.key());
        assertNull(p.values().get("o"), "an output that is an object is skipped whole");
        assertArrayEquals(new double[] {3}, p.numbers("n"));
    }

    @Test
    void somethingElseIsAClearErrorQuotingTheStartOfTheValue() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> parse("[1,2,3]"));
        assertTrue(e.getMessage().contains("[1,2,3]"), e.getMessage());
        String longValue = "{\"model\":" + "9".repeat(5000);
        e = assertThrows(UncheckedIOException.class, () -> parse(longValue));
        assertTrue(e.getMessage().length() < 600, "quotes the start only: " + e.getMessage().length());
    }
}
