package io.inferstream.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.data.DataType;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The v2 JSON form against bodies written by hand from the Open Inference Protocol v2 document (its request and
 * response examples, with the example request's BOOL shape corrected to match its data), never by our own encoder.
 */
class V2JsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsTheSpecsRequestExample() {
        InferRequest r = V2Json.readRequest(body("{\"id\":\"42\",\"inputs\":["
                + "{\"name\":\"input0\",\"shape\":[2,2],\"datatype\":\"UINT32\",\"data\":[1,2,4294967295,4]},"
                + "{\"name\":\"input1\",\"shape\":[3],\"datatype\":\"BOOL\",\"data\":[true,false,true]}],"
                + "\"outputs\":[{\"name\":\"output0\"}]}"));
        assertEquals("42", r.id());
        assertEquals(List.of("output0"), r.requestedOutputs());
        WireTensor in0 = r.inputs().get(0);
        assertEquals("input0", in0.name());
        assertEquals(V2Datatype.UINT32, in0.datatype());
        assertArrayEquals(new long[] {2, 2}, in0.shape());
        assertArrayEquals(new long[] {1, 2, 4294967295L, 4}, in0.values().asLongs());
        assertArrayEquals(new boolean[] {true, false, true}, r.inputs().get(1).values().asBooleans());
    }

    @Test
    void readsNestedDataRowMajor() {
        InferRequest r = V2Json.readRequest(body("{\"inputs\":[{\"name\":\"x\",\"shape\":[2,3],\"datatype\":\"FP32\","
                + "\"data\":[[1,2,3],[4,5,6.5]]}]}"));
        assertNull(r.id());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6.5f}, r.inputs().get(0).values().asFloats());
    }

    @Test
    void readsMembersInAnyOrder() {
        // JSON objects are unordered: data before shape and datatype, and members the protocol does not define.
        InferRequest r = V2Json.readRequest(body("{\"inputs\":[{\"data\":[[1,2],[3,4]],\"extra\":{\"a\":[1]},"
                + "\"datatype\":\"INT32\",\"shape\":[2,2],\"name\":\"x\"}],\"id\":\"7\"}"));
        assertArrayEquals(new int[] {1, 2, 3, 4}, r.inputs().get(0).values().asInts());
        assertEquals("7", r.id());
        ProtocolException more = assertThrows(ProtocolException.class, () -> V2Json.readRequest(body(
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP64\",\"data\":[[1,2],[3]]}]}")));
        assertTrue(more.getMessage().contains("holds 2 elements but 'data' has 3"), more.getMessage());
        assertThrows(ProtocolException.class, () -> V2Json.readRequest(body(
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[2],\"datatype\":\"FP64\",\"data\":[1,")));
    }

    @Test
    void readsBytesAsTextOrBase64() {
        InferRequest r = V2Json.readRequest(body("{\"inputs\":[{\"name\":\"s\",\"shape\":[2],\"datatype\":\"BYTES\","
                + "\"data\":[\"héllo\",{\"b64\":\"AP8=\"}]}]}"));
        byte[][] b = r.inputs().get(0).values().asBytes();
        assertArrayEquals("héllo".getBytes(StandardCharsets.UTF_8), b[0]);
        assertArrayEquals(new byte[] {0, (byte) 0xFF}, b[1]);
    }

    @Test
    void refusesHalfPrecisionWithAClearMessage() {
        ProtocolException e = assertThrows(ProtocolException.class, () -> V2Json.readRequest(body(
                "{\"inputs\":[{\"name\":\"h\",\"shape\":[1],\"datatype\":\"FP16\",\"data\":[1.5]}]}")));
        assertEquals("h", e.tensor());
        assertTrue(e.getMessage().contains("FP16 is not supported"), e.getMessage());
        assertThrows(ProtocolException.class, () -> V2Json.readRequest(body(
                "{\"inputs\":[{\"name\":\"h\",\"shape\":[1],\"datatype\":\"BF16\",\"data\":[1.5]}]}")));
    }

    @Test
    void namesTheTensorWhoseDataDoesNotFit() {
        ProtocolException count = assertThrows(ProtocolException.class, () -> V2Json.readRequest(body(
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}")));
        assertTrue(count.getMessage().startsWith("tensor 'x': shape [2, 2] holds 4 elements but 'data' has 3"),
                count.getMessage());
        ProtocolException range = assertThrows(ProtocolException.class, () -> V2Json.readRequest(body(
                "{\"inputs\":[{\"name\":\"i\",\"shape\":[1],\"datatype\":\"INT8\",\"data\":[300]}]}")));
        assertTrue(range.getMessage().contains("out of range for INT8"), range.getMessage());
        ProtocolException type = assertThrows(ProtocolException.class, () -> V2Json.readRequest(body(
                "{\"inputs\":[{\"name\":\"i\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[1.5]}]}")));
        assertEquals("i", type.tensor());
        assertThrows(ProtocolException.class, () -> V2Json.readRequest(body("{\"inputs\": 3}")));
        assertThrows(ProtocolException.class, () -> V2Json.readRequest(body("not json")));
    }

    @Test
    void readsTheSpecsResponseExample() {
        InferResponse r = V2Json.readResponse(body("{\"model_name\":\"mymodel\",\"id\":\"42\",\"outputs\":["
                + "{\"name\":\"output0\",\"shape\":[3,2],\"datatype\":\"FP32\",\"data\":[1.0,1.1,2.0,2.1,3.0,3.1]}]}"));
        assertEquals("mymodel", r.modelName());
        assertEquals("42", r.id());
        assertArrayEquals(new float[] {1.0f, 1.1f, 2.0f, 2.1f, 3.0f, 3.1f}, r.output("output0").values().asFloats());
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> V2Json.readResponse(body("{\"error\":\"model not ready\"}")));
        assertTrue(e.getMessage().contains("model not ready"));
    }

    @Test
    void writesAResponseAsTheSpecShowsIt() throws Exception {
        InferResponse r = new InferResponse("mymodel", "1", "42", List.of(
                WireTensor.of("output0", Tensor.ofFloats(new float[] {1.0f, 1.5f, 2.0f, 2.5f}, 2, 2)),
                WireTensor.of("label", Tensor.ofBytes(new byte[][] {"a".getBytes(StandardCharsets.UTF_8),
                        {(byte) 0xC3}}, 2))));
        String expected = "{\"model_name\":\"mymodel\",\"model_version\":\"1\",\"id\":\"42\",\"outputs\":["
                + "{\"name\":\"output0\",\"shape\":[2,2],\"datatype\":\"FP32\",\"data\":[1.0,1.5,2.0,2.5]},"
                + "{\"name\":\"label\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"a\",{\"b64\":\"ww==\"}]}]}";
        assertEquals(JSON.readTree(expected), JSON.readTree(V2Json.writeResponse(r)));
    }

    @Test
    void writesARequestAsTheSpecShowsIt() throws Exception {
        InferRequest r = new InferRequest("m", "", "7", List.of(
                WireTensor.of("x", Tensor.ofLongs(new long[] {1, 2, 3}, 3, 1))), List.of("y"));
        String expected = "{\"id\":\"7\",\"inputs\":[{\"name\":\"x\",\"shape\":[3,1],\"datatype\":\"INT64\","
                + "\"data\":[1,2,3]}],\"outputs\":[{\"name\":\"y\"}]}";
        assertEquals(JSON.readTree(expected), JSON.readTree(V2Json.writeRequest(r)));
    }

    @Test
    void modelMetadataPutsTheBatchDimensionFirstAndMarksText() throws Exception {
        ModelInfo info = ModelInfo.builder("onnx").name("iris").version("3")
                .input(FieldSpec.tensor("x", DataType.FLOAT, 4)).input(FieldSpec.categorical("c", List.of("a")))
                .output(FieldSpec.scalar("y", DataType.INT64)).build();
        String expected = "{\"name\":\"iris\",\"versions\":[\"3\"],\"platform\":\"onnx\",\"inputs\":["
                + "{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,4]},"
                + "{\"name\":\"c\",\"datatype\":\"BYTES\",\"shape\":[-1],\"parameters\":{\"content_type\":\"str\"}}],"
                + "\"outputs\":[{\"name\":\"y\",\"datatype\":\"INT64\",\"shape\":[-1]}]}";
        assertEquals(JSON.readTree(expected), JSON.readTree(V2Json.writeModelMetadata(info, List.of("3"))));

        // As a Triton-like server writes it (no parameters): BYTES stays bytes.
        ModelInfo read = V2Json.readModelMetadata(body("{\"name\":\"simple\",\"versions\":[\"1\",\"2\"],"
                + "\"platform\":\"onnxruntime_onnx\",\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"INT32\","
                + "\"shape\":[-1,16]},{\"name\":\"TEXT\",\"datatype\":\"BYTES\",\"shape\":[-1]}],"
                + "\"outputs\":[{\"name\":\"OUTPUT0\",\"datatype\":\"FP64\",\"shape\":[-1,16]}]}"), "kserve-v2");
        assertEquals("simple", read.name());
        assertEquals("2", read.version());
        assertEquals(FieldSpec.tensor("INPUT0", DataType.INT32, 16), read.inputs().get(0));
        assertEquals(FieldSpec.scalar("TEXT", DataType.BYTES), read.inputs().get(1));
        assertEquals(FieldSpec.tensor("OUTPUT0", DataType.DOUBLE, 16), read.outputs().get(0));
        assertEquals(Map.of("platform", "onnxruntime_onnx"), read.properties());
    }

    @Test
    void errorAndServerMetadataBodies() throws Exception {
        assertEquals(JSON.readTree("{\"error\":\"no model 'x'\"}"), JSON.readTree(V2Json.writeError("no model 'x'")));
        assertEquals(JSON.readTree("{\"name\":\"inferstream\",\"version\":\"0.1\",\"extensions\":[]}"),
                JSON.readTree(V2Json.writeServerMetadata("inferstream", "0.1", List.of())));
    }
}
