package io.inferstream.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batching records into v2 tensors and back, checked against hand-written v2 JSON bodies. */
class TensorBatchesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelInfo IRIS = ModelInfo.builder("onnx").name("iris")
            .input(FieldSpec.tensor("x", DataType.FLOAT, 4)).input(FieldSpec.scalar("tag", DataType.STRING))
            .output(FieldSpec.scalar("label", DataType.INT64)).build();

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void splitsAHandWrittenRequestIntoRecordsOfTheDeclaredTypes() throws Exception {
        InferRequest r = V2Json.readRequest(body("{\"inputs\":["
                + "{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP64\",\"data\":[[5.1,3.5,1.4,0.2],[6,3,4,1]]},"
                + "{\"name\":\"tag\",\"shape\":[2,1],\"datatype\":\"BYTES\",\"data\":[\"a\",\"b\"]}]}"));
        List<Features> rows = TensorBatches.decodeInputs(r.inputs(), IRIS);
        assertEquals(2, rows.size());
        assertEquals(Tensor.ofFloats(new float[] {5.1f, 3.5f, 1.4f, 0.2f}, 4), rows.get(0).get("x"));
        assertEquals(Tensor.ofFloats(new float[] {6, 3, 4, 1}, 4), rows.get(1).get("x"));
        assertEquals(Tensor.scalar("b"), rows.get(1).get("tag"));
    }

    @Test
    void namesTheInputThatDoesNotFitTheModel() {
        InvalidInputException shape = assertThrows(InvalidInputException.class, () -> TensorBatches.decodeInputs(
                V2Json.readRequest(body("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\","
                        + "\"data\":[1,2,3]}]}")).inputs(), IRIS));
        assertEquals("x", shape.field());
        assertTrue(shape.getMessage().contains("shape [N, 3] does not match the model's [-1, 4]"), shape.getMessage());
        InvalidInputException unknown = assertThrows(InvalidInputException.class, () -> TensorBatches.decodeInputs(
                V2Json.readRequest(body("{\"inputs\":[{\"name\":\"z\",\"shape\":[1],\"datatype\":\"FP32\","
                        + "\"data\":[1]}]}")).inputs(), IRIS));
        assertEquals("z", unknown.field());
        InvalidInputException type = assertThrows(InvalidInputException.class, () -> TensorBatches.decodeInputs(
                V2Json.readRequest(body("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,4],\"datatype\":\"BOOL\","
                        + "\"data\":[true,true,true,true]}]}")).inputs(), IRIS));
        assertEquals("x", type.field());
    }

    @Test
    void batchesRecordsIntoTheShapeAHandWrittenRequestHas() throws Exception {
        List<Features> rows = List.of(
                Features.builder().put("x", new float[] {1, 2, 3, 4}).put("tag", "a").build(),
                Features.builder().put("x", new float[] {5, 6, 7, 8}).put("tag", "b").build());
        byte[] json = V2Json.writeRequest(new InferRequest("iris", "", null, TensorBatches.encodeInputs(rows, IRIS),
                List.of()));
        String expected = "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,4],\"datatype\":\"FP32\","
                + "\"data\":[1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0]},"
                + "{\"name\":\"tag\",\"shape\":[2],\"datatype\":\"BYTES\",\"parameters\":{\"content_type\":\"str\"},"
                + "\"data\":[\"a\",\"b\"]}]}";
        assertEquals(JSON.readTree(expected), JSON.readTree(json));
    }

    @Test
    void aRecordMissingAFieldIsNamed() {
        List<Features> rows = List.of(Features.builder().put("x", new float[] {1, 2, 3, 4}).build(),
                Features.builder().put("tag", "b").put("x", new float[] {1, 2, 3}).build());
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TensorBatches.encodeInputs(rows, IRIS));
        assertEquals(1, e.recordIndex());
        assertEquals("x", e.field());
    }

    @Test
    void classifierViewTravelsAsTwoOutputs() throws Exception {
        List<Prediction> predictions = List.of(
                Prediction.builder().output("label", Tensor.scalar(1L)).label("versicolor")
                        .probability("setosa", 0.25).probability("versicolor", 0.75).build(),
                Prediction.builder().output("label", Tensor.scalar(0L)).label("setosa")
                        .probability("setosa", 1.0).probability("versicolor", 0.0).build());
        byte[] json = V2Json.writeResponse(new InferResponse("iris", "1", null,
                TensorBatches.encodeOutputs(predictions)));
        String expected = "{\"model_name\":\"iris\",\"model_version\":\"1\",\"outputs\":["
                + "{\"name\":\"label\",\"shape\":[2],\"datatype\":\"INT64\",\"data\":[1,0]},"
                + "{\"name\":\"inferstream.label\",\"shape\":[2],\"datatype\":\"BYTES\","
                + "\"data\":[\"versicolor\",\"setosa\"]},"
                + "{\"name\":\"inferstream.probabilities\",\"shape\":[2,2],\"datatype\":\"FP64\","
                + "\"parameters\":{\"classes\":\"[\\\"setosa\\\",\\\"versicolor\\\"]\"},"
                + "\"data\":[0.25,0.75,1.0,0.0]}]}";
        assertEquals(JSON.readTree(expected), JSON.readTree(json));
        assertEquals(predictions, TensorBatches.decodeOutputs(V2Json.readResponse(body(expected)).outputs()));
    }

    @Test
    void textOutputsComeBackAsText() {
        List<Prediction> p = TensorBatches.decodeOutputs(V2Json.readResponse(body("{\"model_name\":\"m\","
                + "\"outputs\":[{\"name\":\"label\",\"shape\":[2],\"datatype\":\"BYTES\","
                + "\"parameters\":{\"content_type\":\"str\"},\"data\":[\"low\",\"high\"]}]}")).outputs());
        assertEquals(Tensor.scalar("high"), p.get(1).output("label"));
        List<Prediction> again = TensorBatches.decodeOutputs(V2Json.readResponse(V2Json.writeResponse(
                new InferResponse("m", "", null, TensorBatches.encodeOutputs(p)))).outputs());
        assertEquals(p, again);
    }

    @Test
    void splitsAHandWrittenResponseIntoPredictions() {
        List<Prediction> p = TensorBatches.decodeOutputs(V2Json.readResponse(body("{\"model_name\":\"m\","
                + "\"outputs\":[{\"name\":\"y\",\"shape\":[3,2],\"datatype\":\"FP32\",\"data\":[1,2,3,4,5,6]},"
                + "{\"name\":\"b\",\"shape\":[3],\"datatype\":\"BYTES\",\"data\":[{\"b64\":\"AA==\"},\"x\",\"\"]}]}"))
                .outputs());
        assertEquals(3, p.size());
        assertArrayEquals(new float[] {5, 6}, p.get(2).output("y").asFloats());
        assertArrayEquals(new long[] {2}, p.get(2).output("y").shape());
        assertArrayEquals(new byte[] {0}, p.get(0).output("b").asBytes()[0]);
        assertTrue(p.get(0).label().isEmpty());
        assertThrows(ProtocolException.class, () -> TensorBatches.decodeOutputs(V2Json.readResponse(body(
                "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"y\",\"shape\":[2],\"datatype\":\"FP32\",\"data\":[1,2]},"
                        + "{\"name\":\"z\",\"shape\":[3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}")).outputs()));
    }

    @Test
    void bytesRoundTripThroughBothWireForms() throws Exception {
        byte[] binary = {0, (byte) 0x80, (byte) 0xFF, 10};
        ModelInfo info = ModelInfo.builder("x").input(FieldSpec.scalar("blob", DataType.BYTES)).build();
        List<Features> rows = List.of(Features.of("blob", Tensor.ofBytes(new byte[][] {binary}, new long[0])));
        InferRequest request = new InferRequest("x", "", null, TensorBatches.encodeInputs(rows, info), List.of());
        InferRequest viaJson = V2Json.readRequest(V2Json.writeRequest(request));
        InferRequest viaProto = V2Proto.fromProto(V2Proto.toProto(request, true));
        assertArrayEquals(binary, TensorBatches.decodeInputs(viaJson.inputs(), info).get(0).get("blob").asBytes()[0]);
        assertArrayEquals(binary, TensorBatches.decodeInputs(viaProto.inputs(), info).get(0).get("blob").asBytes()[0]);
    }
}
