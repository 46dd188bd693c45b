package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** The prediction serde on its own: tensors keep their shape, non-finite numbers, and records that are not ours. */
class InferenceSerdesTest {
    private final Serde<ScoredPrediction> serde = InferenceSerdes.prediction();

    private ScoredPrediction read(String json) {
        return serde.deserializer().deserialize("predictions", json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aTensorKeepsItsShapeAndEveryTypeSurvivesAWriteAndARead() {
        ScoredPrediction p = read("{\"key\":\"k\",\"model\":\"m\",\"version\":\"3\",\"outputs\":{\"t\":[[1,2],[3,4]],"
                + "\"s\":\"text\",\"b\":false},\"label\":\"a\",\"probabilities\":{\"a\":0.9,\"b\":0.1}}");
        assertEquals(List.of(List.of(1.0, 2.0), List.of(3.0, 4.0)), p.outputs().get("t"));
        assertEquals("text", p.outputs().get("s"));
        assertEquals(false, p.outputs().get("b"));
        assertEquals(p, serde.deserializer().deserialize("t", serde.serializer().serialize("t", p)));
    }

    @Test
    void nonFiniteNumbersAreWrittenAsNullAsTheEngineWritesThem() {
        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("o", List.of(Double.NaN, 1.0));
        ScoredPrediction p = new ScoredPrediction(null, "m", "1", outputs, "a",
                Map.of("a", Double.POSITIVE_INFINITY));
        String json = new String(serde.serializer().serialize("t", p), StandardCharsets.UTF_8);
        assertEquals("{\"model\":\"m\",\"version\":\"1\",\"outputs\":{\"o\":[null,1.0]},\"label\":\"a\","
                + "\"probabilities\":{\"a\":null}}", json);
        ScoredPrediction back = read(json);
        assertNull(((List<?>) back.outputs().get("o")).get(0));
        assertTrue(Double.isNaN(back.probabilities().get("a")));
    }

    @Test
    void aPredictionMadeFromValuesEqualsTheSameRecordReadAndItsNumbersAreCheckedOutputByOutput() {
        Map<String, Object> outputs = new LinkedHashMap<>();
        outputs.put("t", List.of(List.of(1.0, 2.0), List.of(3.0, 4.5)));
        outputs.put("s", "text");
        ScoredPrediction made = new ScoredPrediction("k", "m", "3", outputs, "a", Map.of("a", 0.9));
        ScoredPrediction read = read("{\"key\":\"k\",\"model\":\"m\",\"version\":\"3\",\"outputs\":"
                + "{\"t\":[[1,2],[3,4.5]],\"s\":\"text\"},\"label\":\"a\",\"probabilities\":{\"a\":0.9}}");
        assertEquals(made, read);
        assertEquals(made.hashCode(), read.hashCode());
        assertEquals(List.of(1.0, 2.0, 3.0, 4.5), java.util.Arrays.stream(read.numbers("t")).boxed().toList());
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class, () -> read.numbers("s"));
        assertEquals("output 's' holds text, not a number", text.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> made.numbers("x"));
        assertEquals("no output 'x'; outputs are [t, s]", none.getMessage());
        assertTrue(!made.equals(new ScoredPrediction("k", "m", "4", outputs, "a", Map.of("a", 0.9))));
    }

    @Test
    void aRecordThatIsNotAPredictionIsASerializationErrorNamingTheTopic() {
        SerializationException notJson = assertThrows(SerializationException.class, () -> read("{\"model\": [1"));
        assertTrue(notJson.getMessage().contains("topic predictions"), notJson.getMessage());
        SerializationException noVersion = assertThrows(SerializationException.class,
                () -> read("{\"model\":\"m\",\"outputs\":{}}"));
        assertTrue(noVersion.getMessage().contains("\"version\""), noVersion.getMessage());
    }
}
