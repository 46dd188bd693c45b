package io.inferstream.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.protocol.TensorBatches;
import io.inferstream.protocol.V2Json;
import io.inferstream.protocol.v2.GRPCInferenceServiceGrpc;
import io.inferstream.protocol.v2.OpenInferenceV2.InferTensorContents;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferResponse;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelMetadataRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelReadyRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ServerLiveRequest;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ScratchDirectory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real ONNX model (a dense network written by the sandbox, run by ONNX Runtime) and a labelled ONNX classifier,
 * served over REST and gRPC on 127.0.0.1 and called with hand-written bodies; answers are checked against the
 * network's plain-Java forward pass and against the same model embedded.
 */
class ServeOnnxTest {
    private static final DenseNetwork NET = DenseNetwork.random(4, 8, 3, 11);
    private static final double TOLERANCE = 1e-6;
    private static ScratchDirectory dir;
    private static InferenceServer server;
    private static Model embedded;
    private static Model embeddedClassifier;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        dir = ScratchDirectory.create("serve-onnx");
        Path dense = Files.write(dir.path().resolve("dense.onnx"), OnnxModelWriter.denseNetwork(NET));
        Path labelled = Files.write(dir.path().resolve("labelled.onnx"), OnnxModelWriter.labelledReferenceClassifier());
        ModelRegistry registry = ModelRegistry.discover();
        embedded = registry.load(ModelSource.of(dense), "onnx", Map.of());
        embeddedClassifier = registry.load(ModelSource.of(labelled), "onnx", Map.of());
        server = InferenceServer.builder().restPort(0).grpcPort(0).maxBatchSize(64)
                .maxQueueDelay(Duration.ofMillis(50))
                .model("dense", registry.load(ModelSource.of(dense), "onnx", Map.of()))
                .model("classifier", registry.load(ModelSource.of(labelled), "onnx", Map.of()))
                .start();
        http = new Http(server.restPort());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
            server.close(); // idempotent
        }
        if (embedded != null) {
            embedded.close();
            embeddedClassifier.close();
        }
        if (dir != null) {
            dir.close();
        }
    }

    private static float[] row(int i) {
        return new float[] {0.1f * i, -0.2f * i + 1, 0.5f, i % 3 - 1f};
    }

    private static void assertProbabilities(float[] x, JsonNode data, int from) throws Exception {
        double[] expected = NET.forward(x);
        float[] fromEmbedded = embedded.predict(List.of(Features.builder().put("input", x).build())).get(0)
                .output("probabilities").asFloats();
        for (int c = 0; c < expected.length; c++) {
            double got = data.get(from + c).asDouble();
            assertEquals(expected[c], got, TOLERANCE, "class " + c);
            assertEquals(fromEmbedded[c], got, TOLERANCE, "class " + c + " against the embedded model");
        }
    }

    @Test
    void healthAndMetadataOverRest() throws Exception {
        assertEquals(200, http.get("/v2/health/live").status);
        assertEquals(200, http.get("/v2/health/ready").status);
        assertEquals(200, http.get("/v2/models/dense/ready").status);
        assertEquals("inferstream", http.get("/v2").json().get("name").asText());
        JsonNode meta = http.get("/v2/models/dense").json();
        assertEquals("dense", meta.get("name").asText());
        assertEquals("onnx", meta.get("platform").asText());
        assertEquals("input", meta.get("inputs").get(0).get("name").asText());
        assertEquals("FP32", meta.get("inputs").get(0).get("datatype").asText());
        assertEquals("[-1,4]", meta.get("inputs").get(0).get("shape").toString());
        String version = meta.get("versions").get(0).asText();
        assertEquals(200, http.get("/v2/models/dense/versions/" + version).status);
        JsonNode status = http.get("/v1/models/dense").json();
        assertEquals("AVAILABLE", status.get("model_version_status").get(0).get("state").asText());
        JsonNode tfMeta = http.get("/v1/models/dense/metadata").json();
        assertEquals("DT_FLOAT", tfMeta.at("/metadata/signature_def/signature_def/serving_default/inputs/input/dtype")
                .asText());
    }

    @Test
    void v2InferOverRestWithAHandWrittenBody() throws Exception {
        Http.Reply reply = http.post("/v2/models/dense/infer", "{\"id\":\"r1\",\"inputs\":[{\"name\":\"input\","
                + "\"shape\":[2,4],\"datatype\":\"FP32\",\"data\":[[0.1,0.2,0.3,0.4],[1.0,-1.0,0.5,2.0]]}]}");
        assertEquals(200, reply.status, reply.body);
        JsonNode body = reply.json();
        assertEquals("dense", body.get("model_name").asText());
        assertEquals("r1", body.get("id").asText());
        JsonNode out = body.get("outputs").get(0);
        assertEquals("probabilities", out.get("name").asText());
        assertEquals("FP32", out.get("datatype").asText());
        assertEquals("[2,3]", out.get("shape").toString());
        assertProbabilities(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, out.get("data"), 0);
        assertProbabilities(new float[] {1, -1, 0.5f, 2}, out.get("data"), 3);
    }

    @Test
    void tfServingPredictInBothForms() throws Exception {
        Http.Reply rows = http.post("/v1/models/dense:predict", "{\"instances\":[[0.1,0.2,0.3,0.4],[1,-1,0.5,2]]}");
        assertEquals(200, rows.status, rows.body);
        JsonNode predictions = rows.json().get("predictions");
        assertProbabilities(new float[] {1, -1, 0.5f, 2}, predictions.get(1), 0);
        Http.Reply columns = http.post("/v1/models/dense:predict",
                "{\"signature_name\":\"serving_default\",\"inputs\":{\"input\":[[0.1,0.2,0.3,0.4]]}}");
        assertEquals(200, columns.status, columns.body);
        assertProbabilities(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, columns.json().get("outputs").get(0), 0);
    }

    @Test
    void errorsOverRestNameTheProblem() throws Exception {
        Http.Reply shape = http.post("/v2/models/dense/infer", "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],"
                + "\"datatype\":\"FP32\",\"data\":[1,2,3]}]}");
        assertEquals(400, shape.status);
        assertTrue(shape.json().get("error").asText().contains("'input'"), shape.body);
        Http.Reply half = http.post("/v2/models/dense/infer", "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],"
                + "\"datatype\":\"FP16\",\"data\":[1,2,3,4]}]}");
        assertEquals(400, half.status);
        assertTrue(half.json().get("error").asText().contains("FP16"), half.body);
        assertEquals(400, http.post("/v2/models/dense/infer", "{not json").status);
        Http.Reply unknown = http.post("/v2/models/nope/infer", "{\"inputs\":[]}");
        assertEquals(404, unknown.status);
        assertTrue(unknown.json().get("error").asText().contains("no model 'nope'"), unknown.body);
        assertEquals(404, http.get("/v2/models/dense/versions/99").status);
        assertEquals(404, http.get("/v1/models/nope/metadata").status);
        assertEquals(404, http.get("/v3/anything").status);
        assertEquals(405, http.get("/v2/models/dense/infer").status);
        Http.Reply tfBad = http.post("/v1/models/dense:predict", "{\"instances\":[[0.1,0.2,\"x\",0.4]]}");
        assertEquals(400, tfBad.status);
        assertTrue(tfBad.json().get("error").asText().contains("'input'"), tfBad.body);
    }

    @Test
    void versionsAndRequestedOutputs() throws Exception {
        String version = http.get("/v2/models/dense").json().get("versions").get(0).asText();
        String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\","
                + "\"data\":[1.0,-1.0,0.5,2.0]}],\"outputs\":[{\"name\":\"probabilities\"}]}";
        Http.Reply named = http.post("/v2/models/dense/versions/" + version + "/infer", body);
        assertEquals(200, named.status, named.body);
        assertEquals(version, named.json().get("model_version").asText());
        assertProbabilities(new float[] {1, -1, 0.5f, 2}, named.json().get("outputs").get(0).get("data"), 0);
        assertEquals(404, http.post("/v2/models/dense/versions/99/infer", body).status);
        // Flink's Triton provider asks for versions/latest unless told a version: the newest version serving.
        Http.Reply latest = http.post("/v2/models/dense/versions/latest/infer", body);
        assertEquals(200, latest.status, latest.body);
        assertEquals(version, latest.json().get("model_version").asText());
        Http.Reply tf = http.post("/v1/models/dense/versions/" + version + ":predict", "{\"instances\":[[1,-1,0.5,2]]}");
        assertEquals(200, tf.status, tf.body);
        assertEquals(404, http.post("/v1/models/dense/versions/99:predict", "{\"instances\":[[1,-1,0.5,2]]}").status);
        Http.Reply unknownOutput = http.post("/v2/models/dense/infer", body.replace("\"probabilities\"}", "\"logits\"}"));
        assertEquals(400, unknownOutput.status);
        assertTrue(unknownOutput.json().get("error").asText().contains("'logits'"), unknownOutput.body);
    }

    @Test
    void closeStopsBothFrontEndsAndIsIdempotent() throws Exception {
        InferenceServer other = InferenceServer.builder().restPort(0).grpcPort(0)
                .model("dense", ModelRegistry.discover().load(ModelSource.of(dir.path().resolve("dense.onnx")), "onnx",
                        Map.of()))
                .start();
        Http client = new Http(other.restPort());
        assertEquals(200, client.get("/v2/health/ready").status);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", other.grpcPort()).usePlaintext().build();
        try {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc
                    .newBlockingStub(channel);
            assertTrue(stub.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
            other.close();
            other.close();
            assertThrows(java.io.IOException.class, () -> client.get("/v2/health/live"));
            StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> stub
                    .withDeadlineAfter(30, TimeUnit.SECONDS).serverLive(ServerLiveRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAVAILABLE, gone.getStatus().getCode());
        } finally {
            other.close();
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static ByteString rawFloats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return ByteString.copyFrom(b.array());
    }

    @Test
    void v2InferOverGrpcRawAndTyped() throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc
                    .newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            assertTrue(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
            assertTrue(stub.modelReady(ModelReadyRequest.newBuilder().setName("dense").build()).getReady());
            assertEquals(List.of(-1L, 4L), stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("dense").build())
                    .getInputs(0).getShapeList());

            ModelInferResponse raw = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("dense").setId("g1")
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                            .addShape(1).addShape(4))
                    .addRawInputContents(rawFloats(1, -1, 0.5f, 2)).build());
            assertEquals("g1", raw.getId());
            assertEquals("FP32", raw.getOutputs(0).getDatatype());
            ByteBuffer out = raw.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            double[] expected = NET.forward(new float[] {1, -1, 0.5f, 2});
            for (double e : expected) {
                assertEquals(e, out.getFloat(), TOLERANCE);
            }

            ModelInferResponse typed = stub.modelInfer(ModelInferRequest.newBuilder().setModelName("dense")
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                            .addShape(1).addShape(4).setContents(InferTensorContents.newBuilder()
                                    .addAllFp32Contents(List.of(0.1f, 0.2f, 0.3f, 0.4f)))).build());
            List<Float> probabilities = typed.getOutputs(0).getContents().getFp32ContentsList();
            expected = NET.forward(new float[] {0.1f, 0.2f, 0.3f, 0.4f});
            for (int c = 0; c < expected.length; c++) {
                assertEquals(expected[c], probabilities.get(c), TOLERANCE);
            }

            StatusRuntimeException notFound = assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(
                    ModelInferRequest.newBuilder().setModelName("nope").build()));
            assertEquals(Status.Code.NOT_FOUND, notFound.getStatus().getCode());
            StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(
                    ModelInferRequest.newBuilder().setModelName("dense").addInputs(ModelInferRequest.InferInputTensor
                            .newBuilder().setName("input").setDatatype("FP32").addShape(1).addShape(3))
                            .addRawInputContents(rawFloats(1, 2, 3)).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
            assertTrue(bad.getStatus().getDescription().contains("'input'"), bad.getStatus().getDescription());
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLabelledClassifierAnswersAsWhenEmbedded() throws Exception {
        Http.Reply reply = http.post("/v2/models/classifier/infer", "{\"inputs\":[{\"name\":\"features\","
                + "\"shape\":[2,4],\"datatype\":\"FP32\",\"data\":[0.5,-1.0,2.0,0.0,-0.3,0.8,0.1,1.5]}]}");
        assertEquals(200, reply.status, reply.body);
        List<Prediction> served = TensorBatches.decodeOutputs(V2Json.readResponse(
                reply.body.getBytes(java.nio.charset.StandardCharsets.UTF_8)).outputs());
        List<Prediction> local = embeddedClassifier.predict(List.of(
                Features.builder().put("features", new float[] {0.5f, -1, 2, 0}).build(),
                Features.builder().put("features", new float[] {-0.3f, 0.8f, 0.1f, 1.5f}).build()));
        for (int i = 0; i < 2; i++) {
            assertEquals(local.get(i).label(), served.get(i).label());
            assertEquals(local.get(i).probabilities().keySet(), served.get(i).probabilities().keySet());
            for (String c : local.get(i).probabilities().keySet()) {
                assertEquals(local.get(i).probabilities().get(c), served.get(i).probabilities().get(c), TOLERANCE);
            }
        }
        assertTrue(served.get(0).label().isPresent());
    }

    @Test
    void concurrentClientsAreBatchedAndEachGetsItsOwnAnswer() throws Exception {
        int clients = 8;
        int requestsEach = 6;
        BatchStats before = server.stats("dense");
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(pool.submit(() -> {
                    go.await();
                    List<String> problems = new ArrayList<>();
                    for (int r = 0; r < requestsEach; r++) {
                        int i = client * requestsEach + r;
                        float[] x = row(i);
                        Http.Reply reply = http.post("/v2/models/dense/infer", "{\"inputs\":[{\"name\":\"input\","
                                + "\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[" + x[0] + "," + x[1] + "," + x[2]
                                + "," + x[3] + "]}]}");
                        if (reply.status != 200) {
                            problems.add(reply.toString());
                            continue;
                        }
                        try {
                            assertProbabilities(x, reply.json().get("outputs").get(0).get("data"), 0);
                        } catch (AssertionError e) {
                            problems.add("request " + i + ": " + e.getMessage());
                        }
                    }
                    return problems;
                }));
            }
            go.countDown();
            for (Future<List<String>> f : results) {
                assertEquals(List.of(), f.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        BatchStats after = server.stats("dense");
        assertEquals(clients * requestsEach, after.requests() - before.requests());
        assertTrue(after.mergedCalls() > before.mergedCalls(), "no two requests were merged: " + after);
        assertTrue(after.largestBatch() > 1, after.toString());
        assertTrue(after.modelCalls() - before.modelCalls() < clients * requestsEach, after.toString());
    }
}
