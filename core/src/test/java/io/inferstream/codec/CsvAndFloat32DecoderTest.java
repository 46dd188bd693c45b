package io.inferstream.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.junit.jupiter.api.Test;

class CsvAndFloat32DecoderTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void csvColumnsFillInputsOfTheSameName() throws Exception {
        ModelInfo tabular = ModelInfo.builder("t").input(FieldSpec.scalar("age", DataType.DOUBLE))
                .input(FieldSpec.scalar("city", DataType.STRING)).build();
        CsvRecordDecoder d = new CsvRecordDecoder(tabular, List.of("id", "age", "city"), false);
        Features f = d.decode(utf8("17,41.5,\"Paris, FR\""));
        assertEquals(41.5, f.get("age").asDoubles()[0]);
        assertEquals("Paris, FR", f.get("city").asStrings()[0]);
        assertFalse(d.decode(utf8("17,,x")).has("age"), "empty cell is missing");
        assertInstanceOf(MalformedRecordException.class, assertThrows(InvalidInputException.class, () -> d.decode(utf8("1,2"))));
        assertEquals("age", assertThrows(InvalidInputException.class, () -> d.decode(utf8("1,abc,x"))).field());
    }

    @Test
    void csvColumnsFillASingleTensorInputInOrder() throws Exception {
        ModelInfo vector = ModelInfo.builder("t").input(FieldSpec.tensor("features", DataType.FLOAT, 3)).build();
        CsvRecordDecoder d = new CsvRecordDecoder(vector, List.of("a", "b", "c"), false);
        assertArrayEquals(new float[] {1, 2.5f, -3}, d.decode(utf8("1,2.5,-3\n")).get("features").asFloats());
        assertThrows(IllegalArgumentException.class, () -> new CsvRecordDecoder(vector, List.of("a", "b"), false));
    }

    @Test
    void float32ValuesAreLittleEndianVectors() throws Exception {
        ModelInfo vector = ModelInfo.builder("t").input(FieldSpec.tensor("x", DataType.FLOAT, 3)).build();
        Float32RecordDecoder d = new Float32RecordDecoder(vector, false);
        float[] values = {1.5f, -2f, 3.25f};
        assertArrayEquals(values, d.decode(Float32RecordDecoder.encode(values)).get("x").asFloats());
        assertInstanceOf(MalformedRecordException.class, assertThrows(InvalidInputException.class, () -> d.decode(new byte[5])));
        assertEquals("x", assertThrows(InvalidInputException.class, () -> d.decode(new byte[8])).field());
        assertEquals("x", assertThrows(InvalidInputException.class,
                () -> d.decode(Float32RecordDecoder.encode(new float[] {1, Float.NaN, 2}))).field());
    }
}
