package io.inferstream.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.inferstream.data.Tensor;
import io.inferstream.protocol.v2.OpenInferenceV2.InferParameter;
import io.inferstream.protocol.v2.OpenInferenceV2.InferTensorContents;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The protobuf form against messages built field by field as the protocol document describes them, with the raw
 * contents' bytes written out by hand (little-endian; BYTES with a 4-byte length prefix).
 */
class V2ProtoTest {

    @Test
    void readsTypedContents() {
        ModelInferRequest m = ModelInferRequest.newBuilder().setModelName("m").setId("1")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
                        .addShape(2).addShape(2)
                        .setContents(InferTensorContents.newBuilder().addAllFp32Contents(List.of(1f, 2f, 3f, 4.5f))))
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("u").setDatatype("UINT16")
                        .addShape(2).setContents(InferTensorContents.newBuilder().addUintContents(65535).addUintContents(7)))
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("s").setDatatype("BYTES")
                        .addShape(1).putParameters("content_type", InferParameter.newBuilder().setStringParam("str").build())
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("hi"))))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("y"))
                .build();
        InferRequest r = V2Proto.fromProto(m);
        assertEquals("m", r.modelName());
        assertEquals(List.of("y"), r.requestedOutputs());
        assertArrayEquals(new float[] {1, 2, 3, 4.5f}, r.inputs().get(0).values().asFloats());
        assertArrayEquals(new long[] {2, 2}, r.inputs().get(0).shape());
        assertArrayEquals(new int[] {65535, 7}, r.inputs().get(1).values().asInts());
        assertArrayEquals("hi".getBytes(), r.inputs().get(2).values().asBytes()[0]);
        assertEquals(Map.of("content_type", "str"), r.inputs().get(2).parameters());
    }

    @Test
    void readsRawContentsLittleEndian() {
        byte[] fp32 = {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0}; // 1.0f, -2.0f
        byte[] int64 = {5, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}; // 5, -1
        byte[] bytes = {2, 0, 0, 0, 0, (byte) 0xFF, 0, 0, 0, 0}; // [00 FF], []
        ModelInferRequest m = ModelInferRequest.newBuilder()
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("f").setDatatype("FP32").addShape(2))
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("l").setDatatype("INT64").addShape(2).addShape(1))
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("b").setDatatype("BYTES").addShape(2))
                .addRawInputContents(ByteString.copyFrom(fp32))
                .addRawInputContents(ByteString.copyFrom(int64))
                .addRawInputContents(ByteString.copyFrom(bytes))
                .build();
        InferRequest r = V2Proto.fromProto(m);
        assertArrayEquals(new float[] {1f, -2f}, r.inputs().get(0).values().asFloats());
        assertArrayEquals(new long[] {5, -1}, r.inputs().get(1).values().asLongs());
        assertArrayEquals(new byte[][] {{0, (byte) 0xFF}, {}}, r.inputs().get(2).values().asBytes());
    }

    @Test
    void writesRawContentsLittleEndian() {
        InferResponse r = new InferResponse("m", "2", null, List.of(
                WireTensor.of("y", Tensor.ofDoubles(new double[] {1.0}, 1)),
                WireTensor.of("b", Tensor.ofBytes(new byte[][] {{7}}, 1))));
        ModelInferResponse m = V2Proto.toProto(r, true);
        assertEquals("FP64", m.getOutputs(0).getDatatype());
        assertEquals(List.of(1L), m.getOutputs(0).getShapeList());
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, (byte) 0xF0, 0x3F}, m.getRawOutputContents(0).toByteArray());
        assertArrayEquals(new byte[] {1, 0, 0, 0, 7}, m.getRawOutputContents(1).toByteArray());
        ModelInferResponse typed = V2Proto.toProto(r, false);
        assertEquals(0, typed.getRawOutputContentsCount());
        assertEquals(List.of(1.0), typed.getOutputs(0).getContents().getFp64ContentsList());
        assertEquals(r.outputs(), V2Proto.fromProto(m).outputs());
        assertEquals(r.outputs(), V2Proto.fromProto(typed).outputs());
    }

    @Test
    void refusesContentsThatDoNotMatchTheShape() {
        ModelInferRequest m = ModelInferRequest.newBuilder()
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("f").setDatatype("FP32").addShape(3))
                .addRawInputContents(ByteString.copyFrom(new byte[8])).build();
        ProtocolException e = assertThrows(ProtocolException.class, () -> V2Proto.fromProto(m));
        assertTrue(e.getMessage().startsWith("tensor 'f': raw contents have 8 bytes"), e.getMessage());
        ModelInferRequest half = ModelInferRequest.newBuilder()
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("h").setDatatype("BF16").addShape(1))
                .build();
        assertTrue(assertThrows(ProtocolException.class, () -> V2Proto.fromProto(half)).getMessage()
                .contains("BF16 is not supported"));
        ModelInferRequest uint64 = ModelInferRequest.newBuilder()
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("u").setDatatype("UINT64").addShape(1)
                        .setContents(InferTensorContents.newBuilder().addUint64Contents(-1L))).build();
        assertTrue(assertThrows(ProtocolException.class, () -> V2Proto.fromProto(uint64)).getMessage()
                .contains("out of range for UINT64"));
    }
}
