package io.inferstream.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Non-finite inputs: refused as a bad request by default, as the engine and {@code score} refuse them; let through to
 * the model when the server is told ({@code --allow-nan}), for models that take NaN as a missing value. A real ONNX
 * network answers an infinite input with non-finite outputs, which is why the default refuses it.
 */
class ServeNonFiniteTest {
    private static final String OVERFLOW = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\","
            + "\"data\":[1e39,-1,2,0.25]}]}";

    private static HttpResponse<String> infer(boolean allowNonFinite) throws Exception {
        byte[] model = OnnxModelWriter.denseNetwork(DenseNetwork.random(4, 8, 3, 11));
        try (InferenceServer s = InferenceServer.builder().restPort(0).grpcPort(0).allowNonFinite(allowNonFinite)
                .model("dense", ModelRegistry.discover().load(ModelSource.of(model, "dense.onnx"), "onnx", Map.of()))
                .start()) {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + s.restPort() + "/v2/models/dense/infer")).POST(HttpRequest.BodyPublishers.ofString(OVERFLOW))
                    .build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void refusedByDefaultAndPassedWhenAllowed() throws Exception {
        HttpResponse<String> refused = infer(false);
        assertEquals(400, refused.statusCode());
        assertTrue(refused.body().contains("element 0 is Infinity: not a finite FP32 number"), refused.body());
        HttpResponse<String> allowed = infer(true);
        assertEquals(200, allowed.statusCode(), allowed.body());
        assertTrue(allowed.body().contains("\"outputs\""), allowed.body());
    }
}
