package io.inferstream.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The exact words a user reads in {@code inferstream.dlt.error.message} when a JSON record cannot be decoded: each
 * must say what is wrong with the record, in the user's terms, without echoing raw bytes.
 */
class JsonDecodeMessagesTest {
    private static final ModelInfo MODEL = JsonRecordDecoderTest.MODEL;
    private static final String REMEDY = "(set input.allow.nan=true to pass NaN and infinities to the model)";

    private final JsonRecordDecoder decoder = new JsonRecordDecoder(MODEL, Map.of(), false);

    /** @return the message of the decode-stage error the value gives */
    private String malformed(byte[] value) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> decoder.decode(value));
        assertInstanceOf(MalformedRecordException.class, e, e.getMessage());
        return e.getMessage();
    }

    private String malformed(String json) {
        return malformed(json.getBytes(StandardCharsets.UTF_8));
    }

    /** @return the message of the validate-stage error the value gives */
    private String invalid(String json) {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> decoder.decode(json.getBytes(StandardCharsets.UTF_8)));
        assertFalse(e instanceof MalformedRecordException, e.getMessage());
        return e.getMessage();
    }

    @Test
    void emptyAndBlankValuesSaySo() {
        assertEquals("empty value (0 bytes)", malformed(""));
        assertEquals("no JSON value: only white space (3 bytes)", malformed(" \n\t"));
    }

    @Test
    void binaryValuesNameTheFirstBadByteAndShowOnlyAHexPreview() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
        assertEquals("not UTF-8 text: invalid byte 0x89 at offset 0; the value (8 bytes) starts 89 50 4e 47 0d 0a 1a 0a",
                malformed(png));
        // Confluent's Avro framing: a zero magic byte and a schema id. Zero bytes would also make Jackson guess UTF-32.
        byte[] avro = {0, 0, 0, 0, 7, 2, 'h', 'i'};
        assertEquals("not JSON text: control byte 0x00 at offset 0 (binary data?); the value (8 bytes) starts "
                + "00 00 00 00 07 02 68 69", malformed(avro));
        byte[] random = new byte[100];
        new java.util.Random(1).nextBytes(random);
        random[0] = (byte) 0xF8; // can never start a UTF-8 character
        assertEquals("not UTF-8 text: invalid byte 0xF8 at offset 0; the value (100 bytes) starts "
                + "f8 d5 1a bb d8 9c b8 19 6f 0e fb 68 92 f9 4d 68 ...", malformed(random));
    }

    @Test
    void latin1TextIsNotUtf8AndTheMessageNamesTheAccentedByte() {
        byte[] latin1 = "{\"colour\":\"café\",\"image\":[1,2,3,4,5,6],\"ids\":[1,2]}".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("not UTF-8 text: invalid byte 0xE9 at offset 14; the value (51 bytes) starts "
                + "7b 22 63 6f 6c 6f 75 72 22 3a 22 63 61 66 e9 22 ...", malformed(latin1));
    }

    @Test
    void truncatedJsonSaysWhereTheInputEndsAndWhatItCutShort() {
        assertEquals("truncated JSON: input ends at byte 13 inside an array", malformed("{\"image\":[1,2"));
        assertEquals("truncated JSON: input ends at byte 13 inside a string", malformed("{\"colour\":\"re"));
        assertEquals("truncated JSON: input ends at byte 5 inside a field name", malformed("{\"ima"));
        assertEquals("truncated JSON: input ends at byte 9 inside an object", malformed("{\"age\":41"));
        assertEquals("truncated JSON: input ends at byte 1 inside an object", malformed("{"));
        // A multi-byte character cut in half by the end is a truncation too, not an encoding error.
        byte[] cut = "{\"colour\":\"é".getBytes(StandardCharsets.UTF_8);
        assertEquals("truncated JSON: input ends at byte 12 inside a string", malformed(java.util.Arrays.copyOf(cut, 12)));
    }

    @Test
    void aValueThatIsNotAnObjectSaysWhatItIsAndWhatFieldsAreExpected() {
        String expected = "; a record must be an object with a field per model input (image, ids, age, colour)";
        assertEquals("not a JSON object: found an array" + expected, malformed("[1,2,3]"));
        assertEquals("not a JSON object: found a number" + expected, malformed("42"));
        assertEquals("not a JSON object: found a string" + expected, malformed("\"image\""));
        assertEquals("not a JSON object: found a boolean" + expected, malformed("true"));
        assertEquals("not a JSON object: found null" + expected, malformed("null"));
    }

    @Test
    void theExpectedFieldsAreTheJoinedScalarsWhereInputsAreConcatenated() {
        ModelInfo model = ModelInfo.builder("test").input(FieldSpec.tensor("features", DataType.FLOAT, 2)).build();
        JsonRecordDecoder joining = new JsonRecordDecoder(model, Map.of("features", List.of("f0", "f1")), false);
        assertEquals("not a JSON object: found an array; a record must be an object with a field per model input "
                + "(f0, f1)", assertThrows(MalformedRecordException.class, () -> joining.decode("[]".getBytes())).getMessage());
    }

    @Test
    void deepNestingIsACleanDecodeErrorNotAStackOverflow() {
        String deep = "[".repeat(10_000) + "1" + "]".repeat(10_000);
        assertEquals("JSON nested deeper than 64 levels", malformed("{\"image\":" + deep + "}"));
        assertEquals("JSON nested deeper than 64 levels", malformed("{\"ignored\":" + deep + "}"));
        assertEquals("not a JSON object: found an array; a record must be an object with a field per model input "
                + "(image, ids, age, colour)", malformed(deep));
    }

    @Test
    void nestingUpToTheLimitIsAccepted() throws Exception {
        int arrays = JsonRecordDecoder.MAX_NESTING_DEPTH - 1; // the record object is the first level
        String image = "[".repeat(arrays) + "1,2,3,4,5,6" + "]".repeat(arrays);
        Features f = decoder.decode(("{\"image\":" + image + ",\"ids\":[1,2]}").getBytes(StandardCharsets.UTF_8));
        assertEquals(6, f.get("image").asFloats().length);
        String tooDeep = "[" + image + "]";
        assertEquals("JSON nested deeper than 64 levels", malformed("{\"image\":" + tooDeep + ",\"ids\":[1,2]}"));
    }

    @Test
    void aFieldNamedTwiceIsRejectedNamingIt() {
        InvalidInputException e = assertThrows(MalformedRecordException.class, () -> decoder.decode(
                "{\"image\":[1,2,3,4,5,6],\"ids\":[1,2],\"image\":[6,5,4,3,2,1]}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("image", e.field());
        assertEquals("field 'image': appears more than once in the object; a JSON object names each field once "
                + "(which value was meant is ambiguous)", e.getMessage());
        // Also when the first one was null: the producer still said two different things.
        assertEquals("field 'age': appears more than once in the object; a JSON object names each field once "
                + "(which value was meant is ambiguous)",
                malformed("{\"age\":null,\"image\":[1,2,3,4,5,6],\"ids\":[1,2],\"age\":3}"));
    }

    @Test
    void aRepeatedFieldTheModelDoesNotReadCannotChangeThePredictionAndIsIgnoredWithTheRest() throws Exception {
        Features f = decoder.decode("{\"meta\":1,\"meta\":{\"x\":1,\"x\":2},\"image\":[1,2,3,4,5,6],\"ids\":[1,2]}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("image", "ids"), List.copyOf(f.names()));
    }

    @Test
    void aRepeatedJoinedScalarOrB64KeyIsRejectedToo() {
        ModelInfo model = ModelInfo.builder("test").input(FieldSpec.tensor("features", DataType.FLOAT, 2))
                .input(FieldSpec.tensor("example", DataType.BYTES, 1)).build();
        JsonRecordDecoder d = new JsonRecordDecoder(model, Map.of("features", List.of("f0", "f1")), false);
        MalformedRecordException joined = assertThrows(MalformedRecordException.class, () -> d.decode(
                "{\"f0\":1,\"f1\":2,\"f0\":3,\"example\":[{\"b64\":\"AA==\"}]}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("f0", joined.field());
        MalformedRecordException b64 = assertThrows(MalformedRecordException.class, () -> d.decode(
                "{\"f0\":1,\"f1\":2,\"example\":[{\"b64\":\"AA==\",\"b64\":\"AQ==\"}]}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("field 'example.b64': appears more than once in the object; a JSON object names each field once "
                + "(which value was meant is ambiguous)", b64.getMessage());
    }

    @Test
    void otherSyntaxErrorsSayWhereWithoutJacksonsLocationNoise() {
        assertEquals("not valid JSON: unexpected word 'hello' at byte 0 (strings need double quotes; only true, "
                + "false, null, numbers, NaN and Infinity are bare words)", malformed("hello"));
        assertEquals("not valid JSON: unexpected word 'red' at byte 10 (strings need double quotes; only true, "
                + "false, null, numbers, NaN and Infinity are bare words)", malformed("{\"colour\":red}"));
        assertEquals("not valid JSON at byte 12: unexpected character (','): expected a value",
                malformed("{\"image\":[1,,2]}"));
        assertEquals("not valid JSON at byte 7: unexpected character ('}'): was expecting double-quote to start field name",
                malformed("{\"a\":1,}"));
        assertEquals("trailing content after the JSON object at byte 3: a record holds exactly one object",
                malformed("{} x"));
        assertEquals("trailing content after the JSON object at byte 2: a record holds exactly one object",
                malformed("{}{}"));
    }

    @Test
    void nonFiniteNumbersQuoteWhatWasWrittenAndHowToAllowThem() {
        assertEquals("field 'image': NaN is not allowed " + REMEDY, invalid("{\"image\":[1,NaN,3,4,5,6],\"ids\":[1,2]}"));
        assertEquals("field 'image': -Infinity is not allowed " + REMEDY,
                invalid("{\"image\":[1,-Infinity,3,4,5,6],\"ids\":[1,2]}"));
        assertEquals("field 'age': Infinity is not allowed " + REMEDY,
                invalid("{\"image\":[1,2,3,4,5,6],\"ids\":[1,2],\"age\":Infinity}"));
        assertEquals("field 'image': '1e999' is too large for float and would be Infinity, which is not allowed " + REMEDY,
                invalid("{\"image\":[1,1e999,3,4,5,6],\"ids\":[1,2]}"));
        // Finite as a double, Infinity as a float: must not reach a float model as Infinity unnoticed.
        assertEquals("field 'image': '1e39' is too large for float and would be Infinity, which is not allowed " + REMEDY,
                invalid("{\"image\":[1,1e39,3,4,5,6],\"ids\":[1,2]}"));
        String digits = "1" + "0".repeat(45);
        assertEquals("field 'image': '" + digits.substring(0, 40) + "...' (46 characters) is too large for float and "
                + "would be Infinity, which is not allowed " + REMEDY,
                invalid("{\"image\":[1," + digits + ",3,4,5,6],\"ids\":[1,2]}"));
        assertEquals("field 'age': '-1e999' is too large for double and would be Infinity, which is not allowed " + REMEDY,
                invalid("{\"image\":[1,2,3,4,5,6],\"ids\":[1,2],\"age\":-1e999}"));
    }

    @Test
    void joinedScalarsFollowTheSameNonFiniteRule() {
        ModelInfo model = ModelInfo.builder("test").input(FieldSpec.tensor("features", DataType.FLOAT, 2)).build();
        JsonRecordDecoder joining = new JsonRecordDecoder(model, Map.of("features", List.of("f0", "f1")), false);
        assertEquals("field 'f1': '1e39' is too large for float and would be Infinity, which is not allowed " + REMEDY,
                assertThrows(InvalidInputException.class,
                        () -> joining.decode("{\"f0\":1,\"f1\":1e39}".getBytes(StandardCharsets.UTF_8))).getMessage());
    }
}
