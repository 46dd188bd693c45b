package io.inferstream.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model server for tests whose every answer is written here by hand from the Open Inference Protocol v2 document
 * and TF Serving's REST API document, and whose requests are read with a plain JSON tree: it shares no code with
 * the client's codec, so the two cannot agree on a mistake. It hosts
 * <ul>
 *   <li>{@code scale}: input {@code x} FP64 {@code [-1, 3]}, output {@code y} FP64 {@code [-1, 1]} with
 *       {@code y = 2 (x0 + x1 + x2)}; a record whose {@code x0} is negative is refused with HTTP 400 naming the
 *       record ("record i: ..."), or, with {@link #anonymousRefusals}, without naming it;</li>
 *   <li>{@code echo}: TF Serving only, input {@code image_bytes} DT_STRING, output {@code reversed_bytes} DT_STRING
 *       holding the input's bytes reversed (TF Serving's {@code _bytes} suffix rule: binary travels as b64);</li>
 *   <li>{@code broken}: the signature of {@code scale}, but every inference answers HTTP 500;</li>
 *   <li>{@code half}: v2 metadata with an FP16 input, which a client must refuse.</li>
 * </ul>
 * and injects faults on request: stall past the client's timeout, 503, a dropped connection, malformed JSON.
 *
 * <p>Thread safety: handlers run on a small pool; the settings are volatile and the counters atomic.
 */
final class HandWrittenServer implements AutoCloseable {
    /** What the server does with an inference request. */
    enum Fault { NONE, STALL, UNAVAILABLE_503, DROP, MALFORMED }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    volatile Fault fault = Fault.NONE;
    volatile boolean anonymousRefusals;
    volatile long stallMs = 3_000;
    final AtomicInteger inferRequests = new AtomicInteger();
    final AtomicInteger faultsServed = new AtomicInteger();
    final AtomicInteger largestBatch = new AtomicInteger();
    final AtomicInteger recordsScored = new AtomicInteger();

    HandWrittenServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String v2Url(String model) {
        return "http://127.0.0.1:" + port() + "/v2/models/" + model;
    }

    String tfUrl(String model) {
        return "http://127.0.0.1:" + port() + "/v1/models/" + model;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod().toUpperCase(Locale.ROOT);
            if (method.equals("GET") && path.matches("/v2/models/(scale|broken)(/versions/1)?")) {
                send(ex, 200, "{\"name\":\"" + path.split("/")[3] + "\",\"versions\":[\"1\"],\"platform\":\"handwritten\","
                        + "\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP64\",\"shape\":[-1,3]}],"
                        + "\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP64\",\"shape\":[-1,1]}]}");
            } else if (method.equals("GET") && path.equals("/v2/models/half")) {
                send(ex, 200, "{\"name\":\"half\",\"versions\":[\"1\"],\"platform\":\"handwritten\","
                        + "\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP16\",\"shape\":[-1,3]}],"
                        + "\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP32\",\"shape\":[-1,1]}]}");
            } else if (method.equals("POST") && path.matches("/v2/models/scale(/versions/1)?/infer")) {
                if (!injectFault(ex)) {
                    v2Infer(ex);
                }
            } else if (method.equals("POST") && path.equals("/v2/models/broken/infer")) {
                send(ex, 500, "{\"error\":\"Failed to run model: out of memory\"}");
            } else if (method.equals("GET") && path.equals("/v1/models/scale/metadata")) {
                send(ex, 200, tfMetadata("scale", "\"x\":" + tfTensor("DT_DOUBLE", 3, "serving_default_x:0"),
                        "\"y\":" + tfTensor("DT_DOUBLE", 1, "StatefulPartitionedCall:0")));
            } else if (method.equals("GET") && path.equals("/v1/models/echo/metadata")) {
                send(ex, 200, tfMetadata("echo", "\"image_bytes\":" + tfScalar("serving_default_image_bytes:0"),
                        "\"reversed_bytes\":" + tfScalar("StatefulPartitionedCall:0")));
            } else if (method.equals("POST") && path.equals("/v1/models/scale:predict")) {
                if (!injectFault(ex)) {
                    tfScale(ex);
                }
            } else if (method.equals("POST") && path.equals("/v1/models/echo:predict")) {
                tfEcho(ex);
            } else if (path.startsWith("/v1/")) {
                send(ex, 404, "{\"error\":\"Servable not found for request: Latest(" + path + ")\"}");
            } else {
                send(ex, 404, "{\"error\":\"Model not found: " + path + "\"}");
            }
        }
    }

    /** @return true if a fault was served instead of an answer. */
    private boolean injectFault(HttpExchange ex) throws IOException {
        inferRequests.incrementAndGet();
        Fault f = fault;
        if (f == Fault.NONE) {
            return false;
        }
        faultsServed.incrementAndGet();
        ex.getRequestBody().readAllBytes();
        switch (f) {
            case STALL:
                try {
                    Thread.sleep(stallMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                send(ex, 200, "{\"error\":\"too late\"}");
                return true;
            case UNAVAILABLE_503:
                ex.getResponseHeaders().add("Retry-After", "0");
                send(ex, 503, "{\"error\":\"model scale is loading\"}");
                return true;
            case DROP:
                // Closing the exchange before any response header is written drops the connection mid-request.
                return true;
            default:
                send(ex, 200, "{\"model_name\":\"scale\",\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP64\",\"sha");
                return true;
        }
    }

    /** Reads the v2 request by hand: inputs[0] named x, datatype FP64, shape [N, 3], data flat or nested. */
    private void v2Infer(HttpExchange ex) throws IOException {
        JsonNode req = JSON.readTree(ex.getRequestBody().readAllBytes());
        JsonNode x = null;
        for (JsonNode in : req.path("inputs")) {
            if ("x".equals(in.path("name").asText())) {
                x = in;
            }
        }
        if (x == null || !"FP64".equals(x.path("datatype").asText()) || x.path("shape").size() != 2
                || x.path("shape").get(1).asInt() != 3) {
            send(ex, 400, "{\"error\":\"input 'x' must be FP64 with shape [-1,3], got " + x + "\"}");
            return;
        }
        List<Double> flat = new ArrayList<>();
        flattenNumbers(x.path("data"), flat);
        int n = x.path("shape").get(0).asInt();
        if (flat.size() != n * 3) {
            send(ex, 400, "{\"error\":\"input 'x' has " + flat.size() + " values for shape [" + n + ",3]\"}");
            return;
        }
        for (int r = 0; r < n; r++) {
            if (flat.get(r * 3) < 0) {
                send(ex, 400, "{\"error\":\"" + (anonymousRefusals ? "a value of x is negative"
                        : "record " + r + ": x[0] must not be negative") + "\"}");
                return;
            }
        }
        StringBuilder data = new StringBuilder();
        for (int r = 0; r < n; r++) {
            data.append(r == 0 ? "" : ",").append(2 * (flat.get(r * 3) + flat.get(r * 3 + 1) + flat.get(r * 3 + 2)));
        }
        largestBatch.accumulateAndGet(n, Math::max);
        recordsScored.addAndGet(n);
        send(ex, 200, "{\"model_name\":\"scale\",\"model_version\":\"1\",\"id\":\"" + req.path("id").asText("")
                + "\",\"outputs\":[{\"name\":\"y\",\"datatype\":\"FP64\",\"shape\":[" + n + ",1],\"data\":[" + data
                + "]}]}");
    }

    /** TF Serving row form: {"instances": [...]}, each row {"x": [..]} or, the model having one input, [..]. */
    private void tfScale(HttpExchange ex) throws IOException {
        JsonNode req = JSON.readTree(ex.getRequestBody().readAllBytes());
        JsonNode instances = req.path("instances");
        if (!instances.isArray()) {
            send(ex, 400, "{\"error\":\"JSON Value: " + req + " Excepting 'instances' to be an list/array\"}");
            return;
        }
        StringBuilder predictions = new StringBuilder();
        int i = 0;
        for (JsonNode row : instances) {
            JsonNode x = row.isObject() ? row.path("x") : row;
            double sum = x.get(0).asDouble() + x.get(1).asDouble() + x.get(2).asDouble();
            // One output: TF Serving writes each row's value bare, here a [1] vector.
            predictions.append(i++ == 0 ? "" : ",").append('[').append(2 * sum).append(']');
        }
        largestBatch.accumulateAndGet(i, Math::max);
        recordsScored.addAndGet(i);
        send(ex, 200, "{\"predictions\":[" + predictions + "]}");
    }

    private void tfEcho(HttpExchange ex) throws IOException {
        JsonNode req = JSON.readTree(ex.getRequestBody().readAllBytes());
        StringBuilder predictions = new StringBuilder();
        int i = 0;
        for (JsonNode row : req.path("instances")) {
            JsonNode v = row.has("image_bytes") ? row.get("image_bytes") : row;
            if (v.isArray() && v.size() == 1) {
                v = v.get(0);
            }
            byte[] in = Base64.getDecoder().decode(v.path("b64").asText());
            byte[] out = new byte[in.length];
            for (int k = 0; k < in.length; k++) {
                out[k] = in[in.length - 1 - k];
            }
            predictions.append(i++ == 0 ? "" : ",").append("{\"b64\":\"")
                    .append(Base64.getEncoder().encodeToString(out)).append("\"}");
        }
        send(ex, 200, "{\"predictions\":[" + predictions + "]}");
    }

    private static String tfMetadata(String model, String inputs, String outputs) {
        return "{\"model_spec\":{\"name\":\"" + model + "\",\"signature_name\":\"\",\"version\":\"4\"},"
                + "\"metadata\":{\"signature_def\":{\"signature_def\":{\"serving_default\":{"
                + "\"inputs\":{" + inputs + "},\"outputs\":{" + outputs + "},"
                + "\"method_name\":\"tensorflow/serving/predict\"}}}}}";
    }

    private static String tfTensor(String dtype, int width, String name) {
        return "{\"dtype\":\"" + dtype + "\",\"tensor_shape\":{\"dim\":[{\"size\":\"-1\",\"name\":\"\"},"
                + "{\"size\":\"" + width + "\",\"name\":\"\"}],\"unknown_rank\":false},\"name\":\"" + name + "\"}";
    }

    private static String tfScalar(String name) {
        return "{\"dtype\":\"DT_STRING\",\"tensor_shape\":{\"dim\":[{\"size\":\"-1\",\"name\":\"\"}],"
                + "\"unknown_rank\":false},\"name\":\"" + name + "\"}";
    }

    private static void flattenNumbers(JsonNode node, List<Double> out) {
        if (node.isArray()) {
            node.forEach(e -> flattenNumbers(e, out));
        } else {
            out.add(node.asDouble());
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
