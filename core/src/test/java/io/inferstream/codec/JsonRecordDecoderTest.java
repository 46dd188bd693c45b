package io.inferstream.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonRecordDecoderTest {
    /** Inputs of every kind the decoder fills: a float matrix, an int vector, a number and a string scalar. */
    static final ModelInfo MODEL = ModelInfo.builder("test").name("m")
            .input(FieldSpec.tensor("image", DataType.FLOAT, 2, 3))
            .input(FieldSpec.tensor("ids", DataType.INT64, 2))
            .input(FieldSpec.scalar("age", DataType.DOUBLE))
            .input(FieldSpec.scalar("colour", DataType.STRING))
            .build();

    private static Features decode(JsonRecordDecoder d, String json) throws InvalidInputException {
        return d.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private final JsonRecordDecoder decoder = new JsonRecordDecoder(MODEL, Map.of(), false);

    @Test
    void nestedAndFlatArraysBothFillTheDeclaredShape() throws Exception {
        Features nested = decode(decoder, "{\"image\":[[1,2.5,3],[4,5,6]],\"ids\":[7,8],\"age\":41,\"colour\":\"red\"}");
        Features flat = decode(decoder, "{\"image\":[1,2.5,3,4,5,6],\"ids\":[7,8]}");
        assertArrayEquals(new float[] {1, 2.5f, 3, 4, 5, 6}, nested.get("image").asFloats());
        assertArrayEquals(new long[] {2, 3}, nested.get("image").shape());
        assertEquals(nested.get("image"), flat.get("image"));
        assertArrayEquals(new long[] {7, 8}, nested.get("ids").asLongs());
        assertEquals(41.0, nested.get("age").asDoubles()[0]);
        assertEquals("red", nested.get("colour").asStrings()[0]);
        assertFalse(flat.has("age"), "absent scalar is missing");
    }

    @Test
    void unknownFieldsAreIgnoredAndNullIsMissing() throws Exception {
        Features f = decode(decoder, "{\"extra\":{\"a\":[1,2]},\"image\":[1,2,3,4,5,6],\"ids\":[1,2],\"age\":null}");
        assertEquals(List.of("image", "ids"), List.copyOf(f.names()));
    }

    @Test
    void integralFloatIsAcceptedIntoIntInputButFractionIsNot() throws Exception {
        Features f = decode(decoder, "{\"image\":[1,2,3,4,5,6],\"ids\":[3.0,4]}");
        assertArrayEquals(new long[] {3, 4}, f.get("ids").asLongs());
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> decode(decoder, "{\"image\":[1,2,3,4,5,6],\"ids\":[3.5,4]}"));
        assertEquals("ids", e.field());
    }

    @Test
    void wrongLengthWrongTypeAndMissingTensorAreValidationErrorsNamingTheField() {
        InvalidInputException shortImage = assertThrows(InvalidInputException.class,
                () -> decode(decoder, "{\"image\":[1,2,3],\"ids\":[1,2]}"));
        assertEquals("image", shortImage.field());
        assertTrue(shortImage.getMessage().contains("3 values") && shortImage.getMessage().contains("6"),
                shortImage.getMessage());
        InvalidInputException longImage = assertThrows(InvalidInputException.class,
                () -> decode(decoder, "{\"image\":[1,2,3,4,5,6,7],\"ids\":[1,2]}"));
        assertEquals("image", longImage.field());
        InvalidInputException text = assertThrows(InvalidInputException.class,
                () -> decode(decoder, "{\"image\":[1,2,\"x\",4,5,6],\"ids\":[1,2]}"));
        assertEquals("image", text.field());
        InvalidInputException missing = assertThrows(InvalidInputException.class,
                () -> decode(decoder, "{\"ids\":[1,2]}"));
        assertEquals("image", missing.field());
        assertFalse(missing instanceof MalformedRecordException);
    }

    @Test
    void nanIsRejectedUnlessAllowed() throws Exception {
        String json = "{\"image\":[1,NaN,3,4,5,6],\"ids\":[1,2]}";
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> decode(decoder, json));
        assertEquals("image", e.field());
        Features f = decode(new JsonRecordDecoder(MODEL, Map.of(), true), json);
        assertTrue(Float.isNaN(f.get("image").asFloats()[1]));
    }

    @Test
    void malformedJsonIsADecodeError() {
        for (String bad : new String[] {"not json", "[1,2]", "{\"image\":[1,2", "{} trailing", ""}) {
            assertInstanceOf(MalformedRecordException.class,
                    assertThrows(InvalidInputException.class, () -> decode(decoder, bad)), bad);
        }
    }

    @Test
    void scalarFieldsAreJoinedIntoATensorInputInConfiguredOrder() throws Exception {
        ModelInfo model = ModelInfo.builder("test").input(FieldSpec.tensor("features", DataType.FLOAT, 3)).build();
        JsonRecordDecoder joining = new JsonRecordDecoder(model, Map.of("features", List.of("c", "a", "b")), false);
        Features f = decode(joining, "{\"a\":1,\"b\":2,\"c\":3.25}");
        assertArrayEquals(new float[] {3.25f, 1, 2}, f.get("features").asFloats());
        InvalidInputException missing = assertThrows(InvalidInputException.class, () -> decode(joining, "{\"a\":1,\"c\":3}"));
        assertEquals("b", missing.field());
        assertThrows(IllegalArgumentException.class,
                () -> new JsonRecordDecoder(model, Map.of("features", List.of("a", "b")), false));
        assertThrows(IllegalArgumentException.class,
                () -> new JsonRecordDecoder(model, Map.of("nope", List.of("a", "b", "c")), false));
    }

    @Test
    void b64ObjectsBecomeBytesAndStringsGoIntoStringTensors() throws Exception {
        ModelInfo model = ModelInfo.builder("test")
                .input(FieldSpec.tensor("example", DataType.BYTES, 1))
                .input(FieldSpec.tensor("words", DataType.STRING, -1))
                .build();
        JsonRecordDecoder d = new JsonRecordDecoder(model, Map.of(), false);
        Features f = decode(d, "{\"example\":[{\"b64\":\"AAEC/w==\"}],\"words\":[\"a\",\"bé\"]}");
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 0xff}, f.get("example").asBytes()[0]);
        assertArrayEquals(new String[] {"a", "bé"}, f.get("words").asStrings());
        assertArrayEquals(new long[] {2}, f.get("words").shape());
    }

    @Test
    void b64ElementsOfAStringTensorReachTheModelAsTheirBytesNotAsText() throws Exception {
        // 0xff 0xfe is no UTF-8: decoded into a Java String it would become U+FFFD twice and be lost.
        ModelInfo model = ModelInfo.builder("test").input(FieldSpec.tensor("examples", DataType.STRING, -1)).build();
        JsonRecordDecoder d = new JsonRecordDecoder(model, Map.of(), false);
        Features f = decode(d, "{\"examples\":[{\"b64\":\"//4A\"},\"é\"]}");
        assertEquals(DataType.BYTES, f.get("examples").type());
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xfe, 0}, f.get("examples").asBytes()[0]);
        assertArrayEquals("é".getBytes(java.nio.charset.StandardCharsets.UTF_8), f.get("examples").asBytes()[1]);
        assertEquals(DataType.STRING, decode(d, "{\"examples\":[\"a\",\"b\"]}").get("examples").type());
    }

    @Test
    void aScalarInputTakesABareValueOrAOneElementArrayAsTfServingClientsSendIt() throws Exception {
        ModelInfo model = ModelInfo.builder("test").input(FieldSpec.scalar("inputs", DataType.STRING))
                .input(FieldSpec.scalar("age", DataType.DOUBLE)).build();
        JsonRecordDecoder d = new JsonRecordDecoder(model, Map.of(), false);
        for (String json : List.of("{\"inputs\":{\"b64\":\"AAEC/w==\"},\"age\":41}",
                "{\"inputs\":[{\"b64\":\"AAEC/w==\"}],\"age\":[41]}")) {
            Features f = decode(d, json);
            assertArrayEquals(new byte[] {0, 1, 2, (byte) 0xff}, f.get("inputs").asBytes()[0], json);
            assertArrayEquals(new long[0], f.get("inputs").shape(), json);
            assertEquals(41.0, f.get("age").getDouble(0), json);
            assertTrue(f.get("age").isScalar(), json);
        }
        assertEquals("x", decode(d, "{\"inputs\":[\"x\"]}").get("inputs").asStrings()[0]);
        for (String json : List.of("{\"inputs\":[\"x\",\"y\"]}", "{\"inputs\":[]}", "{\"inputs\":[[\"x\"]]}")) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> decode(d, json), json);
            assertEquals("inputs", e.field(), json);
            assertTrue(e.getMessage().contains("single string value"), e.getMessage());
        }
    }

    @Test
    void unknownDimensionIsSolvedFromTheElementCount() throws Exception {
        ModelInfo model = ModelInfo.builder("test").input(FieldSpec.tensor("x", DataType.DOUBLE, -1, 2)).build();
        Features f = decode(new JsonRecordDecoder(model, Map.of(), false), "{\"x\":[[1,2],[3,4],[5,6]]}");
        assertArrayEquals(new long[] {3, 2}, f.get("x").shape());
        assertEquals(Tensor.ofDoubles(new double[] {1, 2, 3, 4, 5, 6}, 3, 2), f.get("x"));
    }
}
