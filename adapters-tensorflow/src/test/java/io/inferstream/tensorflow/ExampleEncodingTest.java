package io.inferstream.tensorflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;

/**
 * The tf.Example the adapter writes, read back with protobuf's own parser: list types per declared feature, counts,
 * and the per-record errors. (The graph-level proof, TensorFlow's ParseExample reading them, is in
 * {@link ServingApisTest}.) No native code runs here.
 */
class ExampleEncodingTest {
    private static final ExampleEncoding ENCODING = parse(
            "age:float, ids:int64[-1], embedding:FLOAT[3], city:string, photo:bytes, counts:int64[2]");

    private static ExampleEncoding parse(String option) {
        try {
            return ExampleEncoding.parse("TensorFlow model m, signature 's'", List.of(option.split(",")));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Map<String, Feature> encodeOne(Features row) throws InvalidInputException {
        try {
            return Example.parseFrom(ENCODING.encode(List.of(row))[0]).getFeatures().getFeatureMap();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theOptionDeclaresEachFeaturesTypeAndCount() {
        assertEquals(List.of(FieldSpec.scalar("age", DataType.FLOAT), FieldSpec.tensor("ids", DataType.INT64, -1),
                FieldSpec.tensor("embedding", DataType.FLOAT, 3), FieldSpec.scalar("city", DataType.STRING),
                FieldSpec.scalar("photo", DataType.BYTES), FieldSpec.tensor("counts", DataType.INT64, 2)),
                ENCODING.features());
        assertEquals("age:float,ids:int64[-1],embedding:float[3],city:string,photo:bytes,counts:int64[2]",
                ENCODING.describe());
    }

    @Test
    void eachFeatureGoesIntoItsListTypeAndAbsentOnesAreLeftOut() throws Exception {
        Map<String, Feature> f = encodeOne(Features.of(Map.of(
                "age", Tensor.scalar(41L),                                      // an int into a float_list
                "ids", Tensor.ofDoubles(new double[] {7, 9e15, -3}),            // whole doubles into an int64_list
                "embedding", Tensor.ofFloats(new float[] {0.5f, -1.25f, 3e-8f}),
                "city", Tensor.scalar("Zürich"),
                "photo", Tensor.ofBytes(new byte[][] {{0, (byte) 0xff, 10}}, new long[0]),
                "counts", Tensor.ofLongs(new long[] {Long.MAX_VALUE, Long.MIN_VALUE}))));
        assertEquals(List.of(41f), f.get("age").getFloatList().getValueList());
        assertEquals(List.of(7L, 9_000_000_000_000_000L, -3L), f.get("ids").getInt64List().getValueList());
        assertEquals(List.of(0.5f, -1.25f, 3e-8f), f.get("embedding").getFloatList().getValueList());
        assertEquals("Zürich", f.get("city").getBytesList().getValue(0).toStringUtf8());
        assertArrayEquals(new byte[] {0, (byte) 0xff, 10}, f.get("photo").getBytesList().getValue(0).toByteArray());
        assertEquals(List.of(Long.MAX_VALUE, Long.MIN_VALUE), f.get("counts").getInt64List().getValueList());

        Map<String, Feature> sparse = encodeOne(Features.of(Map.of("ids", Tensor.ofLongs(new long[0]))));
        assertEquals(List.of("ids"), List.copyOf(sparse.keySet()), "absent features are not written");
        assertEquals(0, sparse.get("ids").getInt64List().getValueCount(), "a present empty list stays present");
    }

    @Test
    void aValueOfTheWrongKindOrCountIsTheRecordsErrorWithItsIndex() {
        Features good = Features.of("age", Tensor.scalar(30.0));
        List<Object[]> cases = List.of(
                new Object[] {Features.of("age", Tensor.scalar("thirty")), "age", "float_list"},
                new Object[] {Features.of("ids", Tensor.ofDoubles(new double[] {1.5})), "ids", "whole number"},
                new Object[] {Features.of("embedding", Tensor.ofFloats(new float[] {1, 2})), "embedding", "3"},
                new Object[] {Features.of("city", Tensor.scalar(3.0)), "city", "bytes_list"},
                new Object[] {Features.of("ids", Tensor.ofStrings(new String[] {"x"})), "ids", "int64_list"});
        for (Object[] c : cases) {
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> ENCODING.encode(List.of(good, good, (Features) c[0])));
            assertEquals(2, e.recordIndex(), e.getMessage());
            assertEquals(c[1], e.field());
            assertTrue(e.getMessage().contains((String) c[2]), e.getMessage());
        }
        assertFalse(ENCODING.features().isEmpty());
    }
}
