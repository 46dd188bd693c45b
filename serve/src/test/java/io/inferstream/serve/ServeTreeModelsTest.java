package io.inferstream.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.lightgbm.fixtures.LightGbmFixtures;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.protocol.TensorBatches;
import io.inferstream.xgboost.fixtures.XgboostFixtures;
import io.inferstream.xgboost.fixtures.XgboostFixtures.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gradient-boosted tree formats served over Open Inference Protocol v2 REST with hand-written request bodies:
 * an XGBoost regression model saved by XGBoost 1.7.4 answers XGBoost's own predictions, and a LightGBM classifier (a
 * categorical feature among its inputs) answers what the embedded model does, labels and class probabilities.
 */
class ServeTreeModelsTest {
    private static InferenceServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        ModelRegistry registry = ModelRegistry.discover();
        server = InferenceServer.builder().restPort(0).grpcPort(0)
                .model("houses", registry.load(XgboostFixtures.source("regression.json"), null, Map.of()))
                .model("churn", registry.load(LightGbmFixtures.source("binary"), null, Map.of())).start();
        http = new Http(server.restPort());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void xgboostRegressionOverV2RestGivesXgboostsOwnPredictions() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (Row r : XgboostFixtures.rows("regression")) {
            if (rows.size() < 8 && java.util.Arrays.stream(r.values).noneMatch(Double::isNaN)) {
                rows.add(r); // a dense v2 tensor has no way to leave one record's value out
            }
        }
        StringBuilder body = new StringBuilder("{\"inputs\":[");
        for (int j = 0; j < rows.get(0).names.size(); j++) {
            body.append(j == 0 ? "" : ",").append("{\"name\":\"").append(rows.get(0).names.get(j))
                    .append("\",\"shape\":[").append(rows.size()).append("],\"datatype\":\"FP32\",\"data\":[");
            for (int i = 0; i < rows.size(); i++) {
                body.append(i == 0 ? "" : ",").append(rows.get(i).values[j]);
            }
            body.append("]}");
        }
        Http.Reply reply = http.post("/v2/models/houses/infer", body.append("]}").toString());
        assertEquals(200, reply.status, reply.body);
        JsonNode prediction = output(reply.json(), "prediction");
        for (int i = 0; i < rows.size(); i++) {
            double want = rows.get(i).number("y");
            assertEquals(want, prediction.get("data").get(i).asDouble(), 1e-6 * Math.max(1, Math.abs(want)), "row " + i);
        }
    }

    @Test
    void lightgbmClassifierOverV2RestGivesTheEmbeddedModelsLabelsAndProbabilities() throws Exception {
        LightGbmFixtures.Data data = LightGbmFixtures.data("binary", 40, 3);
        List<Integer> complete = new ArrayList<>();
        for (int i = 0; i < data.x.length && complete.size() < 8; i++) {
            if (java.util.Arrays.stream(data.x[i]).noneMatch(Double::isNaN)) {
                complete.add(i);
            }
        }
        StringBuilder body = new StringBuilder("{\"inputs\":[");
        for (int j = 0; j < data.names.size(); j++) {
            body.append(j == 0 ? "" : ",").append("{\"name\":\"").append(data.names.get(j)).append("\",\"shape\":[")
                    .append(complete.size()).append("],\"datatype\":\"").append(data.categorical[j] ? "INT64" : "FP64")
                    .append("\",\"data\":[");
            for (int k = 0; k < complete.size(); k++) {
                double v = data.x[complete.get(k)][j];
                body.append(k == 0 ? "" : ",").append(data.categorical[j] ? Long.toString((long) v) : Double.toString(v));
            }
            body.append("]}");
        }
        Http.Reply reply = http.post("/v2/models/churn/infer", body.append("]}").toString());
        assertEquals(200, reply.status, reply.body);
        JsonNode labels = output(reply.json(), TensorBatches.LABEL_OUTPUT).get("data");
        JsonNode probabilities = output(reply.json(), TensorBatches.PROBABILITIES_OUTPUT).get("data");
        List<Features> rows = new ArrayList<>();
        complete.forEach(i -> rows.add(data.features(i)));
        try (Model embedded = ModelRegistry.discover().load(LightGbmFixtures.source("binary"), null, Map.of())) {
            List<Prediction> want = embedded.predict(rows);
            for (int k = 0; k < complete.size(); k++) {
                assertEquals(want.get(k).label().orElseThrow(), labels.get(k).asText(), "row " + k);
                assertEquals(want.get(k).probabilities().get("1"), probabilities.get(2 * k + 1).asDouble(), 1e-12);
            }
        }
    }

    /** @return the v2 reply's output named {@code name}; shared with the other formats' serve tests. */
    static JsonNode output(JsonNode reply, String name) {
        for (JsonNode o : reply.get("outputs")) {
            if (o.get("name").asText().equals(name)) {
                return o;
            }
        }
        throw new AssertionError("no output " + name + " in " + reply);
    }
}
