package io.inferstream.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Named Java values ({@link JsonRecordDecoder#decode(Map)}) against the same values written as JSON text by hand: the
 * same {@link Features}, or the same error with the same message, case by case.
 */
class JavaValuesDecodeTest {
    private static final ModelInfo MODEL = ModelInfo.builder("test").name("m")
            .input(FieldSpec.tensor("image", DataType.FLOAT, 2, 3))
            .input(FieldSpec.tensor("ids", DataType.INT64, 2))
            .input(FieldSpec.scalar("age", DataType.DOUBLE))
            .input(FieldSpec.scalar("colour", DataType.STRING))
            .input(FieldSpec.scalar("blob", DataType.BYTES))
            .build();
    private static final ModelInfo JOINED = ModelInfo.builder("test").name("j")
            .input(FieldSpec.tensor("x", DataType.DOUBLE, 3))
            .build();

    private final JsonRecordDecoder strict = new JsonRecordDecoder(MODEL, Map.of(), false);
    private final JsonRecordDecoder lenient = new JsonRecordDecoder(MODEL, Map.of(), true);
    private final JsonRecordDecoder joined = new JsonRecordDecoder(JOINED, Map.of("x", List.of("a", "b", "c")), false);

    /** @return the outcome of decoding, as something comparable: the features, or the error's class and message */
    private static Object outcome(JsonRecordDecoder decoder, Object record) {
        try {
            return record instanceof String
                    ? decoder.decode(((String) record).getBytes(StandardCharsets.UTF_8))
                    : decoder.decode(cast(record));
        } catch (InvalidInputException e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> cast(Object record) {
        return (Map<String, ?>) record;
    }

    private static Object same(JsonRecordDecoder decoder, Map<String, ?> values, String json) {
        Object fromJson = outcome(decoder, json);
        Object fromValues = outcome(decoder, values);
        assertEquals(fromJson, fromValues, "values " + values + " against " + json);
        return fromValues;
    }

    private static Map<String, Object> record(Object... nameValue) {
        Map<String, Object> m = new HashMap<>(); // HashMap: null values allowed
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put((String) nameValue[i], nameValue[i + 1]);
        }
        return m;
    }

    @Test
    void primitiveNestedAndBoxedArraysGiveTheFeaturesTheirJsonGives() {
        Object f = same(strict,
                record("image", new float[] {1, 2.5f, 3, 4, 5, 6}, "ids", new long[] {7, 8}, "age", 41, "colour", "red"),
                "{\"image\":[1.0,2.5,3.0,4.0,5.0,6.0],\"ids\":[7,8],\"age\":41,\"colour\":\"red\"}");
        assertArrayEquals(new float[] {1, 2.5f, 3, 4, 5, 6}, ((Features) f).get("image").asFloats());
        same(strict, record("image", new double[][] {{1, 2, 3}, {4, 5, 6.25}}, "ids", List.of(3.0, 4)),
                "{\"image\":[[1.0,2.0,3.0],[4.0,5.0,6.25]],\"ids\":[3.0,4]}");
        same(strict, record("image", Arrays.asList(1, 2L, (short) 3, 4.5f, 5.5, new BigDecimal("6.125")),
                "ids", new int[] {1, 2}), "{\"image\":[1,2,3,4.5,5.5,6.125],\"ids\":[1,2]}");
        same(strict, record("image", new Object[] {new float[] {1, 2, 3}, List.of(4, 5, 6)}, "ids", new long[] {1, 2}),
                "{\"image\":[[1.0,2.0,3.0],[4,5,6]],\"ids\":[1,2]}");
    }

    @Test
    void aFloatIntoADoubleInputIsItsDecimalAsInJson() {
        Object f = same(strict, record("image", new float[6], "ids", new long[2], "age", 0.1f),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[0,0],\"age\":0.1}");
        assertEquals(0.1, ((Features) f).get("age").asDoubles()[0]);
    }

    @Test
    void nullIsMissingLikeJsonNull() {
        Object f = same(strict, record("image", new float[6], "ids", new long[2], "age", null, "colour", null),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[0,0],\"age\":null,\"colour\":null}");
        assertFalse(((Features) f).has("age"));
        Object missing = same(strict, record("image", null, "ids", new long[2]), "{\"image\":null,\"ids\":[0,0]}");
        assertEquals("InvalidInputException: field 'image': missing (the model needs float[2, 3])", missing);
        same(strict, record("image", Arrays.asList(1, 2, null, 4, 5, 6), "ids", new long[2]),
                "{\"image\":[1,2,null,4,5,6],\"ids\":[0,0]}");
    }

    @Test
    void notANumberIsRefusedWithTheSameMessageUnlessAllowed() {
        Object refused = same(strict, record("image", new float[] {1, Float.NaN, 3, 4, 5, 6}, "ids", new long[2]),
                "{\"image\":[1.0,NaN,3.0,4.0,5.0,6.0],\"ids\":[0,0]}");
        assertEquals(String.class, refused.getClass(), "refused: " + refused);
        same(strict, record("image", new double[] {1, 2, 3, 4, 5, 1e39}, "ids", new long[2]),
                "{\"image\":[1.0,2.0,3.0,4.0,5.0,1.0E39],\"ids\":[0,0]}");
        same(strict, record("image", new float[6], "ids", new long[2], "age", Double.POSITIVE_INFINITY),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[0,0],\"age\":Infinity}");
        Object allowed = same(lenient, record("image", new float[] {1, Float.NaN, 3, 4, 5, 6}, "ids", new long[2]),
                "{\"image\":[1.0,NaN,3.0,4.0,5.0,6.0],\"ids\":[0,0]}");
        assertNotNull(((Features) allowed).get("image"));
    }

    @Test
    void integersAndFractionsMeetTheIntegerInputsRules() {
        Object fraction = same(strict, record("image", new float[6], "ids", new double[] {3.5, 4}),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[3.5,4]}");
        assertEquals(String.class, fraction.getClass());
        same(strict, record("image", new float[6], "ids", List.of(new BigInteger("123456789012345678901234567890"), 1)),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[123456789012345678901234567890,1]}");
        same(strict, record("image", new float[6], "ids", List.of(Long.MAX_VALUE, Long.MIN_VALUE)),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[" + Long.MAX_VALUE + "," + Long.MIN_VALUE + "]}");
    }

    @Test
    void stringsBooleansAndWrongSizesGetTheJsonMessages() {
        Object string = same(strict, record("image", List.of("a", 2, 3, 4, 5, 6), "ids", new long[2]),
                "{\"image\":[\"a\",2,3,4,5,6],\"ids\":[0,0]}");
        assertEquals("InvalidInputException: field 'image': expected float values, got a string", string);
        same(strict, record("image", List.of(true, 2, 3, 4, 5, 6), "ids", new long[2]),
                "{\"image\":[true,2,3,4,5,6],\"ids\":[0,0]}");
        same(strict, record("image", new float[5], "ids", new long[2]), "{\"image\":[0,0,0,0,0],\"ids\":[0,0]}");
        same(strict, record("image", new float[7], "ids", new long[2]), "{\"image\":[0,0,0,0,0,0,0],\"ids\":[0,0]}");
        same(strict, record("image", 1.5f, "ids", new long[2]), "{\"image\":1.5,\"ids\":[0,0]}");
        same(strict, record("image", new float[6], "ids", new long[2], "age", "12"),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[0,0],\"age\":\"12\"}");
        same(strict, record("image", new float[6], "ids", new long[2], "colour", List.of("red")),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[0,0],\"colour\":[\"red\"]}");
        same(strict, record("image", new float[6], "ids", new long[2], "colour", List.of("red", "blue")),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[0,0],\"colour\":[\"red\",\"blue\"]}");
        same(strict, record("image", new float[6], "ids", new long[2], "other", Map.of("deep", List.of(1))),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[0,0],\"other\":{\"deep\":[1]}}");
    }

    @Test
    void bytesAreWhatB64IsInJson() {
        byte[] blob = {0, (byte) 0xff, 'a'};
        Object f = same(strict, record("image", new float[6], "ids", new long[2], "blob", blob),
                "{\"image\":[0,0,0,0,0,0],\"ids\":[0,0],\"blob\":{\"b64\":\"AP9h\"}}");
        assertArrayEquals(blob, ((Features) f).get("blob").asBytes()[0]);
    }

    @Test
    void joinedFieldsFollowTheSameRules() {
        same(joined, record("a", 1, "b", 2.5f, "c", 3L), "{\"a\":1,\"b\":2.5,\"c\":3}");
        same(joined, record("a", 1, "b", "2.5", "c", 3L), "{\"a\":1,\"b\":\"2.5\",\"c\":3}");
        same(joined, record("a", 1, "c", 3L), "{\"a\":1,\"c\":3}");
        same(joined, record("a", 1, "b", Double.NaN, "c", 3L), "{\"a\":1,\"b\":NaN,\"c\":3}");
    }
}
