package io.inferstream.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.protocol.TensorBatches;
import io.inferstream.protocol.V2Proto;
import io.inferstream.protocol.v2.GRPCInferenceServiceGrpc;
import io.inferstream.protocol.v2.OpenInferenceV2.InferTensorContents;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real H2O MOJO (a binomial GBM trained by H2O, with numeric and categorical columns) served over REST (v2 and TF
 * Serving) and gRPC; labels and class probabilities must equal those H2O itself wrote next to the fixture, and the
 * embedded model's, within 1e-6.
 */
class ServeH2oTest {
    private static final double TOLERANCE = 1e-6;
    private static InferenceServer server;
    private static Model embedded;
    private static Http http;
    /** Fixture rows with every column present (a dense tensor cannot leave one record's value out). */
    private static final List<Map<String, String>> INPUTS = new ArrayList<>();
    private static final List<Map<String, String>> EXPECTED = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        List<Map<String, String>> in = MojoFixtures.csv("gbm_binomial.input.csv");
        List<Map<String, String>> expected = MojoFixtures.csv("gbm_binomial.expected.csv");
        for (int i = 0; i < in.size() && INPUTS.size() < 6; i++) {
            if (in.get(i).size() == 4) {
                INPUTS.add(in.get(i));
                EXPECTED.add(expected.get(i));
            }
        }
        ModelRegistry registry = ModelRegistry.discover();
        embedded = registry.load(MojoFixtures.source("gbm_binomial"), null, Map.of());
        server = InferenceServer.builder().restPort(0).grpcPort(0)
                .model("gbm", registry.load(MojoFixtures.source("gbm_binomial"), null, Map.of())).start();
        http = new Http(server.restPort());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (embedded != null) {
            embedded.close();
        }
    }

    private static String column(String name, boolean text) {
        StringBuilder b = new StringBuilder();
        for (Map<String, String> row : INPUTS) {
            b.append(b.length() == 0 ? "" : ",").append(text ? "\"" + row.get(name) + "\"" : row.get(name));
        }
        return b.toString();
    }

    private static List<Prediction> embeddedPredictions() throws Exception {
        List<Features> rows = new ArrayList<>();
        for (Map<String, String> r : INPUTS) {
            rows.add(Features.builder().put("x1", Double.parseDouble(r.get("x1")))
                    .put("x2", Double.parseDouble(r.get("x2"))).put("colour", r.get("colour"))
                    .put("cyl", r.get("cyl")).build());
        }
        return embedded.predict(rows);
    }

    private static void assertAsH2oSays(int i, String label, double no, double yes, Prediction local) {
        assertEquals(EXPECTED.get(i).get("predict"), label, "row " + i);
        assertEquals(Double.parseDouble(EXPECTED.get(i).get("no")), no, TOLERANCE, "row " + i);
        assertEquals(Double.parseDouble(EXPECTED.get(i).get("yes")), yes, TOLERANCE, "row " + i);
        assertEquals(local.label().orElseThrow(), label);
        assertEquals(local.probabilities().get("yes"), yes, TOLERANCE);
    }

    @Test
    void v2RestWithAHandWrittenBody() throws Exception {
        int n = INPUTS.size();
        Http.Reply reply = http.post("/v2/models/gbm/infer", "{\"inputs\":["
                + "{\"name\":\"x1\",\"shape\":[" + n + "],\"datatype\":\"FP64\",\"data\":[" + column("x1", false) + "]},"
                + "{\"name\":\"x2\",\"shape\":[" + n + "],\"datatype\":\"FP64\",\"data\":[" + column("x2", false) + "]},"
                + "{\"name\":\"colour\",\"shape\":[" + n + "],\"datatype\":\"BYTES\",\"data\":[" + column("colour", true)
                + "]},{\"name\":\"cyl\",\"shape\":[" + n + ",1],\"datatype\":\"BYTES\",\"data\":[" + column("cyl", true)
                + "]}]}");
        assertEquals(200, reply.status, reply.body);
        JsonNode outputs = reply.json().get("outputs");
        JsonNode labels = null;
        JsonNode probabilities = null;
        for (JsonNode o : outputs) {
            if (o.get("name").asText().equals(TensorBatches.LABEL_OUTPUT)) {
                labels = o.get("data");
            } else if (o.get("name").asText().equals(TensorBatches.PROBABILITIES_OUTPUT)) {
                probabilities = o;
            }
        }
        assertEquals("[\"no\",\"yes\"]", probabilities.get("parameters").get("classes").asText());
        List<Prediction> local = embeddedPredictions();
        for (int i = 0; i < n; i++) {
            assertAsH2oSays(i, labels.get(i).asText(), probabilities.get("data").get(2 * i).asDouble(),
                    probabilities.get("data").get(2 * i + 1).asDouble(), local.get(i));
        }
    }

    @Test
    void tfServingRowsWithAHandWrittenBody() throws Exception {
        StringBuilder instances = new StringBuilder();
        for (Map<String, String> r : INPUTS) {
            instances.append(instances.length() == 0 ? "" : ",").append("{\"x1\":").append(r.get("x1"))
                    .append(",\"x2\":").append(r.get("x2")).append(",\"colour\":\"").append(r.get("colour"))
                    .append("\",\"cyl\":\"").append(r.get("cyl")).append("\"}");
        }
        Http.Reply reply = http.post("/v1/models/gbm:predict", "{\"instances\":[" + instances + "]}");
        assertEquals(200, reply.status, reply.body);
        JsonNode predictions = reply.json().get("predictions");
        List<Prediction> local = embeddedPredictions();
        for (int i = 0; i < INPUTS.size(); i++) {
            JsonNode p = predictions.get(i);
            JsonNode probabilities = p.get(TensorBatches.PROBABILITIES_OUTPUT);
            assertAsH2oSays(i, p.get(TensorBatches.LABEL_OUTPUT).asText(), probabilities.get("no").asDouble(),
                    probabilities.get("yes").asDouble(), local.get(i));
        }
        Http.Reply unknownLevel = http.post("/v1/models/gbm:predict",
                "{\"instances\":[{\"x1\":1.0,\"x2\":1.0,\"colour\":\"red\",\"cyl\":8}]}");
        assertEquals(400, unknownLevel.status, unknownLevel.body);
        assertTrue(unknownLevel.json().get("error").asText().contains("'cyl'"), unknownLevel.body);
    }

    @Test
    void v2GrpcWithTypedContents() throws Exception {
        int n = INPUTS.size();
        InferTensorContents.Builder x1 = InferTensorContents.newBuilder();
        InferTensorContents.Builder x2 = InferTensorContents.newBuilder();
        InferTensorContents.Builder colour = InferTensorContents.newBuilder();
        InferTensorContents.Builder cyl = InferTensorContents.newBuilder();
        for (Map<String, String> r : INPUTS) {
            x1.addFp64Contents(Double.parseDouble(r.get("x1")));
            x2.addFp64Contents(Double.parseDouble(r.get("x2")));
            colour.addBytesContents(ByteString.copyFromUtf8(r.get("colour")));
            cyl.addBytesContents(ByteString.copyFromUtf8(r.get("cyl")));
        }
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName("gbm");
        Map<String, InferTensorContents.Builder> inputs = Map.of("x1", x1, "x2", x2, "colour", colour, "cyl", cyl);
        for (String name : List.of("x1", "x2", "colour", "cyl")) {
            request.addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName(name)
                    .setDatatype(name.startsWith("x") ? "FP64" : "BYTES").addShape(n).setContents(inputs.get(name)));
        }
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
            List<Prediction> served = TensorBatches.decodeOutputs(V2Proto.fromProto(GRPCInferenceServiceGrpc
                    .newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).modelInfer(request.build()))
                    .outputs());
            List<Prediction> local = embeddedPredictions();
            for (int i = 0; i < n; i++) {
                Prediction p = served.get(i);
                assertAsH2oSays(i, p.label().orElseThrow(), p.probabilities().get("no"), p.probabilities().get("yes"),
                        local.get(i));
                assertEquals(Tensor.scalar(EXPECTED.get(i).get("predict")), p.output("predict"));
            }
        } finally {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
