package io.inferstream.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exact dead-letter reasons of the csv and float32 codecs, as a user reads them. */
class CsvAndFloat32MessagesTest {
    private static final String REMEDY = "(set input.allow.nan=true to pass NaN and infinities to the model)";
    private static final ModelInfo TABULAR = ModelInfo.builder("t").input(FieldSpec.scalar("age", DataType.DOUBLE))
            .input(FieldSpec.scalar("weight", DataType.FLOAT)).input(FieldSpec.scalar("member", DataType.BOOL))
            .input(FieldSpec.scalar("city", DataType.STRING)).build();
    private final CsvRecordDecoder csv = new CsvRecordDecoder(TABULAR, List.of("id", "age", "weight", "member", "city"), false);
    private final Float32RecordDecoder float32 = new Float32RecordDecoder(
            ModelInfo.builder("t").input(FieldSpec.tensor("x", DataType.FLOAT, 3)).build(), false);

    private static String malformed(RecordDecoder d, byte[] value) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> d.decode(value));
        assertInstanceOf(MalformedRecordException.class, e, e.getMessage());
        return e.getMessage();
    }

    private static String invalid(RecordDecoder d, byte[] value) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> d.decode(value));
        assertFalse(e instanceof MalformedRecordException, e.getMessage());
        return e.getMessage();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void csvStructuralErrorsAreDecodeErrorsInTheUsersTerms() {
        assertEquals("empty value (0 bytes)", malformed(csv, new byte[0]));
        assertEquals("csv line has 2 cells but input.csv.header has 5 (id, age, weight, member, city)",
                malformed(csv, utf8("1,2")));
        assertEquals("csv line has 1 cell but input.csv.header has 5 (id, age, weight, member, city)",
                malformed(csv, utf8("17")));
        assertEquals("csv line has an unterminated quote (a cell opened with \" never closes)",
                malformed(csv, utf8("1,2,3,true,\"Paris")));
        assertEquals("csv value has a line break at character 12 outside quotes; a record is a single line",
                malformed(csv, utf8("1,2,3,true,x\n2,3,4,false,y")));
    }

    @Test
    void csvBinaryOrLatin1IsNotTextAndIsNotEchoed() {
        assertEquals("not UTF-8 text: invalid byte 0xE9 at offset 16; the value (17 bytes) starts "
                + "31 2c 34 31 2c 37 30 2c 74 72 75 65 2c 63 61 66 ...",
                malformed(csv, "1,41,70,true,café".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals("not csv text: control byte 0x00 at offset 2 (binary data?); the value (5 bytes) starts 31 2c 00 2c 33",
                malformed(csv, new byte[] {'1', ',', 0, ',', '3'}));
    }

    @Test
    void csvCellsThatDoNotFitTheirInputNameTheColumn() {
        assertEquals("field 'age': 'forty' is not a number", invalid(csv, utf8("1,forty,70,true,Paris")));
        assertEquals("field 'member': 'yes' is not a boolean (true or false)", invalid(csv, utf8("1,41,70,yes,Paris")));
        assertEquals("field 'age': NaN is not allowed " + REMEDY, invalid(csv, utf8("1,NaN,70,true,Paris")));
        assertEquals("field 'weight': '1e39' is too large for float and would be Infinity, which is not allowed " + REMEDY,
                invalid(csv, utf8("1,41,1e39,true,Paris")));
        String longCell = "x".repeat(60);
        assertEquals("field 'age': '" + "x".repeat(40) + "...' (60 characters) is not a number",
                invalid(csv, utf8("1," + longCell + ",70,true,Paris")));
    }

    @Test
    void float32LengthErrorsSayHowTheBytesDivide() {
        assertEquals("empty value (0 bytes)", malformed(float32, new byte[0]));
        assertEquals("float32 value of 13 bytes is not a multiple of 4 (4 bytes per little-endian float: 3 values and "
                + "1 byte over)", malformed(float32, new byte[13]));
        assertEquals("field 'x': has 2 values (8 bytes) but the model needs 3 (float[3], 12 bytes)",
                invalid(float32, new byte[8]));
    }

    @Test
    void float32SaysWhenTheValueLooksLikeTextForAnotherCodec() {
        assertEquals("float32 value of 15 bytes is not a multiple of 4 (4 bytes per little-endian float: 3 values and "
                + "3 bytes over); it looks like text: is input.codec right?", malformed(float32, utf8("{\"x\":[1,2,3.5]}")));
        assertEquals("field 'x': has 4 values (16 bytes) but the model needs 3 (float[3], 12 bytes); it looks like "
                + "text: is input.codec right?", invalid(float32, utf8("{\"x\":[1,2,3.75]}")));
    }

    @Test
    void float32NonFiniteElementsAreNamedByPosition() {
        assertEquals("field 'x': element 1 is NaN, which is not allowed " + REMEDY,
                invalid(float32, Float32RecordDecoder.encode(new float[] {1, Float.NaN, 2})));
        assertEquals("field 'x': element 2 is -Infinity, which is not allowed " + REMEDY,
                invalid(float32, Float32RecordDecoder.encode(new float[] {1, 2, Float.NEGATIVE_INFINITY})));
    }
}
