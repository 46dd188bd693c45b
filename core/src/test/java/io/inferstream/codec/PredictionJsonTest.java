package io.inferstream.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
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

    @Test
    void theViewMadeFromAPredictionIsTheViewParsedFromItsJson() {
        Prediction prediction = Prediction.builder()
                .output("probs", Tensor.ofFloats(new float[] {0.1f, 0.7f, Float.NaN, 0.2f}, 2, 2))
                .output("ids", Tensor.ofLongs(new long[] {3, Long.MAX_VALUE / 1024}))
                .output("count", Tensor.ofInts(new int[] {-4}, 1))
                .output("score", Tensor.scalar(2.5e-7))
                .output("flags", Tensor.ofBooleans(new boolean[] {true, false}))
                .output("words", Tensor.ofStrings(new String[] {"é", "b"}))
                .output("raw", Tensor.ofBytes(new byte[][] {{1, 2, (byte) 255}}))
                .label("cat").probability("cat", 0.7).probability("dog", Double.POSITIVE_INFINITY).build();
        ModelInfo model = ModelInfo.builder("java").name("m").version("7").input(FieldSpec.scalar("x", DataType.DOUBLE))
                .output(FieldSpec.scalar("y", DataType.DOUBLE)).build();
        JsonPredictionEncoder json = new JsonPredictionEncoder();
        for (byte[] key : new byte[][] {null, "user-1".getBytes(StandardCharsets.UTF_8), {(byte) 0xff, 0}}) {
            PredictionJson parsed = PredictionJson.parse(json.encode(prediction, model, key));
            PredictionJson made = PredictionJson.of(prediction, model, key);
            assertEquals(parsed.key(), made.key());
            assertEquals(parsed.model(), made.model());
            assertEquals(parsed.version(), made.version());
            assertEquals(parsed.label(), made.label());
            assertEquals(parsed.values(), made.values());
            assertEquals(parsed.outputs(), made.outputs());
            assertEquals(parsed.probabilities(), made.probabilities());
        }
        assertEquals(Arrays.asList(Arrays.asList(0.1, 0.7), Arrays.asList(null, 0.2)),
                PredictionJson.of(prediction, model, null).values().get("probs"), "independent of the parser too");
    }
}
