package io.inferstream.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.pytorch.fixtures.TorchScriptFixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A scripted TorchScript module saved by PyTorch 1.13, with a float64 and an int64 input and a dict output, served
 * over Open Inference Protocol v2 REST with a hand-written request body: it answers PyTorch's own numbers, each
 * output under its dict key and in its own type.
 */
class ServeTorchScriptTest {
    private static InferenceServer server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        ModelSource source = ModelSource.of(TorchScriptFixtures.bytes("mixed_scripted.pt"), "mixed_scripted.pt");
        server = InferenceServer.builder().restPort(0).grpcPort(0)
                .model("mixed", ModelRegistry.discover().load(source, null, Map.of("input.types", "float64,int64",
                        "input.shapes", "3;2")))
                .start();
        http = new Http(server.restPort());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void dictOutputsOverV2RestArePyTorchsOwnNumbers() throws Exception {
        List<JsonNode> rows = TorchScriptFixtures.rows("mixed_scripted").subList(0, 6);
        StringBuilder x = new StringBuilder();
        StringBuilder counts = new StringBuilder();
        for (JsonNode row : rows) {
            for (JsonNode v : row.get("x").get("x")) {
                x.append(x.length() == 0 ? "" : ",").append(v.asDouble());
            }
            for (JsonNode v : row.get("x").get("counts")) {
                counts.append(counts.length() == 0 ? "" : ",").append(v.asLong());
            }
        }
        String body = "{\"inputs\":[{\"name\":\"x\",\"shape\":[" + rows.size() + ",3],\"datatype\":\"FP64\",\"data\":["
                + x + "]},{\"name\":\"counts\",\"shape\":[" + rows.size() + ",2],\"datatype\":\"INT64\",\"data\":["
                + counts + "]}]}";
        Http.Reply reply = http.post("/v2/models/mixed/infer", body);
        assertEquals(200, reply.status, reply.body);
        JsonNode score = ServeTreeModelsTest.output(reply.json(), "score");
        JsonNode total = ServeTreeModelsTest.output(reply.json(), "total");
        assertEquals("FP64", score.get("datatype").asText());
        assertEquals("INT64", total.get("datatype").asText());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(rows.get(i).get("y").get("score").asDouble(), score.get("data").get(i).asDouble(), 1e-12);
            assertEquals(rows.get(i).get("y").get("total").asLong(), total.get("data").get(i).asLong());
        }
    }
}
