package io.inferstream.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/**
 * TF Serving REST bodies written by hand from TF Serving's REST API document: its row and columnar predict examples
 * (tag/signal/sensor), its {@code {"b64": ...}} convention, its status and metadata examples.
 */
class TfServingJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ModelInfo DOC_MODEL = ModelInfo.builder("tensorflow").name("doc")
            .input(FieldSpec.scalar("tag", DataType.STRING))
            .input(FieldSpec.tensor("signal", DataType.INT64, 5))
            .input(FieldSpec.tensor("sensor", DataType.FLOAT, 2, 2))
            .output(FieldSpec.scalar("y", DataType.FLOAT)).build();

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertDocRows(List<Features> rows) {
        assertEquals(2, rows.size());
        assertEquals(Tensor.scalar("foo"), rows.get(0).get("tag"));
        assertEquals(Tensor.ofLongs(new long[] {3, 4, 1, 2, 5}, 5), rows.get(1).get("signal"));
        assertEquals(Tensor.ofFloats(new float[] {4, 5, 6, 8}, 2, 2), rows.get(1).get("sensor"));
    }

    @Test
    void readsTheDocsRowFormExample() throws Exception {
        TfServingJson.PredictRequest r = TfServingJson.readPredictRequest(body("{\"instances\":["
                + "{\"tag\":\"foo\",\"signal\":[1,2,3,4,5],\"sensor\":[[1,2],[3,4]]},"
                + "{\"tag\":\"bar\",\"signal\":[3,4,1,2,5],\"sensor\":[[4,5],[6,8]]}]}"), DOC_MODEL);
        assertFalse(r.columnar());
        assertDocRows(r.rows());
    }

    @Test
    void readsTheDocsColumnarExample() throws Exception {
        TfServingJson.PredictRequest r = TfServingJson.readPredictRequest(body("{\"inputs\":{"
                + "\"tag\":[\"foo\",\"bar\"],\"signal\":[[1,2,3,4,5],[3,4,1,2,5]],"
                + "\"sensor\":[[[1,2],[3,4]],[[4,5],[6,8]]]}}"), DOC_MODEL);
        assertTrue(r.columnar());
        assertDocRows(r.rows());
    }

    @Test
    void aSingleInputMayStandAloneAndBinaryIsBase64() throws Exception {
        ModelInfo one = ModelInfo.builder("tensorflow").input(FieldSpec.scalar("image_bytes", DataType.BYTES)).build();
        TfServingJson.PredictRequest r = TfServingJson.readPredictRequest(body(
                "{\"signature_name\":\"serving_default\",\"instances\":[{\"b64\":\"aGVsbG8=\"},{\"b64\":\"AP8=\"}]}"), one);
        assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), r.rows().get(0).get("image_bytes").asBytes()[0]);
        assertArrayEquals(new byte[] {0, (byte) 0xFF}, r.rows().get(1).get("image_bytes").asBytes()[0]);
        ModelInfo vec = ModelInfo.builder("tensorflow").input(FieldSpec.tensor("x", DataType.FLOAT, 3)).build();
        List<Features> rows = TfServingJson.readPredictRequest(body("{\"instances\":[[1.0,2.0,5.0]]}"), vec).rows();
        assertEquals(Tensor.ofFloats(new float[] {1, 2, 5}, 3), rows.get(0).get("x"));
        rows = TfServingJson.readPredictRequest(body("{\"inputs\":[[1,2,5],[0,0,1]]}"), vec).rows();
        assertEquals(Tensor.ofFloats(new float[] {0, 0, 1}, 3), rows.get(1).get("x"));
    }

    @Test
    void namesTheRecordAndInputThatDoNotFit() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> TfServingJson.readPredictRequest(
                body("{\"instances\":[{\"tag\":\"a\",\"signal\":[1,2,3,4,5],\"sensor\":[[1,2],[3,4]]},"
                        + "{\"tag\":\"b\",\"signal\":[1,2.5,3,4,5],\"sensor\":[[1,2],[3,4]]}]}"), DOC_MODEL));
        assertEquals(1, e.recordIndex());
        assertEquals("signal", e.field());
        InvalidInputException shape = assertThrows(InvalidInputException.class, () -> TfServingJson.readPredictRequest(
                body("{\"instances\":[{\"tag\":\"a\",\"signal\":[1,2,3],\"sensor\":[[1,2],[3,4]]}]}"), DOC_MODEL));
        assertEquals("signal", shape.field());
        assertThrows(ProtocolException.class, () -> TfServingJson.readPredictRequest(body("{\"rows\":[]}"), DOC_MODEL));
    }

    @Test
    void writesResponsesAsTheDocShowsThem() throws Exception {
        List<Prediction> one = List.of(Prediction.of(java.util.Map.of("y", Tensor.scalar(2.5f))),
                Prediction.of(java.util.Map.of("y", Tensor.scalar(3.0f))));
        assertEquals(JSON.readTree("{\"predictions\":[2.5,3.0]}"),
                JSON.readTree(TfServingJson.writePredictResponse(one, false)));
        assertEquals(JSON.readTree("{\"outputs\":[2.5,3.0]}"),
                JSON.readTree(TfServingJson.writePredictResponse(one, true)));
        List<Prediction> two = List.of(Prediction.builder().output("scores", Tensor.ofFloats(new float[] {0.5f, 0.5f}))
                .output("raw_bytes", Tensor.ofBytes(new byte[][] {{1}}, new long[0])).build());
        assertEquals(JSON.readTree("{\"predictions\":[{\"scores\":[0.5,0.5],\"raw_bytes\":{\"b64\":\"AQ==\"}}]}"),
                JSON.readTree(TfServingJson.writePredictResponse(two, false)));
        assertEquals(JSON.readTree("{\"outputs\":{\"scores\":[[0.5,0.5]],\"raw_bytes\":[{\"b64\":\"AQ==\"}]}}"),
                JSON.readTree(TfServingJson.writePredictResponse(two, true)));
    }

    @Test
    void readsHandWrittenResponsesWithTheModelsTypes() {
        ModelInfo info = ModelInfo.builder("tfserving").output(FieldSpec.tensor("scores", DataType.FLOAT, 2))
                .output(FieldSpec.scalar("classes", DataType.INT64)).build();
        List<Prediction> p = TfServingJson.readPredictResponse(body(
                "{\"predictions\":[{\"scores\":[0.25,0.75],\"classes\":1},{\"scores\":[1,0],\"classes\":0}]}"), info);
        assertEquals(Tensor.ofFloats(new float[] {1, 0}, 2), p.get(1).output("scores"));
        assertEquals(Tensor.scalar(1L), p.get(0).output("classes"));
        List<Prediction> c = TfServingJson.readPredictResponse(body(
                "{\"outputs\":{\"scores\":[[0.25,0.75],[1,0]],\"classes\":[1,0]}}"), info);
        assertEquals(p, c);
        ModelInfo single = ModelInfo.builder("tfserving").output(FieldSpec.scalar("y", DataType.FLOAT)).build();
        assertEquals(Tensor.scalar(2.5f), TfServingJson.readPredictResponse(body("{\"predictions\":[2.5]}"), single)
                .get(0).output("y"));
        assertTrue(assertThrows(ProtocolException.class, () -> TfServingJson.readPredictResponse(
                body("{\"error\":\"Input size does not match\"}"), single)).getMessage().contains("Input size"));
    }

    @Test
    void writesRequestsInBothForms() throws Exception {
        List<Features> rows = List.of(Features.builder().put("tag", "foo").put("x", new float[] {1, 2}).build());
        assertEquals(JSON.readTree("{\"instances\":[{\"tag\":\"foo\",\"x\":[1.0,2.0]}]}"),
                JSON.readTree(TfServingJson.writePredictRequest(rows, false)));
        assertEquals(JSON.readTree("{\"inputs\":{\"tag\":[\"foo\"],\"x\":[[1.0,2.0]]}}"),
                JSON.readTree(TfServingJson.writePredictRequest(rows, true)));
    }

    @Test
    void statusAndMetadataFollowTheDoc() throws Exception {
        assertEquals(JSON.readTree("{\"model_version_status\":[{\"version\":\"1\",\"state\":\"AVAILABLE\","
                + "\"status\":{\"error_code\":\"OK\",\"error_message\":\"\"}}]}"),
                JSON.readTree(TfServingJson.writeStatus("1", true)));
        String doc = "{\"model_spec\":{\"name\":\"half_plus_two\",\"signature_name\":\"\",\"version\":\"123\"},"
                + "\"metadata\":{\"signature_def\":{\"signature_def\":{\"serving_default\":{"
                + "\"inputs\":{\"x\":{\"dtype\":\"DT_FLOAT\",\"tensor_shape\":{\"dim\":[{\"size\":\"-1\",\"name\":\"\"},"
                + "{\"size\":\"1\",\"name\":\"\"}],\"unknown_rank\":false},\"name\":\"x:0\"}},"
                + "\"outputs\":{\"y\":{\"dtype\":\"DT_FLOAT\",\"tensor_shape\":{\"dim\":[{\"size\":\"-1\",\"name\":\"\"},"
                + "{\"size\":\"1\",\"name\":\"\"}],\"unknown_rank\":false},\"name\":\"y:0\"}},"
                + "\"method_name\":\"tensorflow/serving/predict\"}}}}}";
        ModelInfo read = TfServingJson.readMetadata(body(doc), "tfserving");
        assertEquals("half_plus_two", read.name());
        assertEquals("123", read.version());
        assertEquals(List.of(FieldSpec.tensor("x", DataType.FLOAT, 1)), read.inputs());
        assertEquals(List.of(FieldSpec.tensor("y", DataType.FLOAT, 1)), read.outputs());
        ModelInfo ours = ModelInfo.builder("onnx").name("half_plus_two").version("123")
                .input(FieldSpec.tensor("x", DataType.FLOAT, 1)).output(FieldSpec.tensor("y", DataType.FLOAT, 1)).build();
        String expected = doc.replace("\"name\":\"x:0\"", "\"name\":\"x\"").replace("\"name\":\"y:0\"", "\"name\":\"y\"");
        assertEquals(JSON.readTree(expected), JSON.readTree(TfServingJson.writeMetadata(ours)));
        assertTrue(assertThrows(ProtocolException.class, () -> TfServingJson.readMetadata(body(doc.replace(
                "\"dtype\":\"DT_FLOAT\",\"tensor_shape\":{\"dim\":[{\"size\":\"-1\",\"name\":\"\"},{\"size\":\"1\","
                        + "\"name\":\"\"}],\"unknown_rank\":false},\"name\":\"x:0\"",
                "\"dtype\":\"DT_HALF\",\"name\":\"x:0\"")), "tfserving")).getMessage().contains("half-precision"));
    }
}
