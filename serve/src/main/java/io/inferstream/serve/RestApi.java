package io.inferstream.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.inferstream.protocol.InferResponse;
import io.inferstream.protocol.TfServingJson;
import io.inferstream.protocol.V2Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST front end: the Open Inference Protocol v2 under {@code /v2} and TF Serving's REST API under {@code /v1}.
 *
 * <p>v2: {@code GET /v2/health/live}, {@code GET /v2/health/ready} (200, or 503 when a model is not ready; empty
 * body as the protocol says), {@code GET /v2} (server metadata), {@code GET /v2/models/{name}[/versions/{v}]}
 * (model metadata), {@code GET .../ready}, {@code POST .../infer}. TF Serving: {@code POST
 * /v1/models/{name}[/versions/{v}]:predict}, {@code GET /v1/models/{name}[/versions/{v}]} (status) and {@code GET
 * .../metadata}. Errors are {@code {"error": "..."}} with 400 for a bad request (naming the input), 404 for an
 * unknown model, version or path, 405 for a wrong method, 503 when the model is not ready, 500 when it failed.
 *
 * <p>Thread safety: thread-safe; the HTTP server calls it from its executor's threads, each blocking until its
 * request's batch is scored.
 */
final class RestApi implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);
    private static final Pattern V2_MODEL =
            Pattern.compile("/v2/models/([^/]+)(?:/versions/([^/]+))?(/ready|/infer)?/?");
    private static final Pattern V1_MODEL =
            Pattern.compile("/v1/models/([^/:]+)(?:/versions/([^/:]+))?(:predict|/metadata)?/?");
    /** Largest request body read, against a client that would fill the heap. */
    private static final int MAX_BODY_BYTES = 256 << 20;

    private final ServedModels models;
    private final String serverVersion;

    RestApi(ServedModels models, String serverVersion) {
        this.models = models;
        this.serverVersion = serverVersion;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            int status = 200;
            byte[] body;
            try {
                body = route(exchange);
            } catch (RuntimeException e) {
                ServeError error = ServeError.of(e instanceof CompletionException && e.getCause() != null
                        ? e.getCause() : e);
                if (error.kind() == ServeError.Kind.INTERNAL) {
                    LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(),
                            error.getMessage());
                }
                status = error instanceof MethodNotAllowed ? 405 : error.kind().http;
                body = V2Json.writeError(error.getMessage());
            }
            if (body == null) {
                exchange.sendResponseHeaders(status, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** @return the response body, or null for an empty 200 */
    private byte[] route(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (path.equals("/v2/health/live")) {
            expect(method, "GET");
            return null;
        }
        if (path.equals("/v2/health/ready")) {
            expect(method, "GET");
            if (!models.allReady()) {
                throw new ServeError(ServeError.Kind.UNAVAILABLE, "not every model is ready");
            }
            return null;
        }
        if (path.equals("/v2") || path.equals("/v2/")) {
            expect(method, "GET");
            return V2Json.writeServerMetadata("inferstream", serverVersion, List.of());
        }
        Matcher v2 = V2_MODEL.matcher(path);
        if (v2.matches()) {
            HostedModel m = models.model(v2.group(1));
            String version = v2.group(2);
            String action = v2.group(3);
            if (action == null) {
                expect(method, "GET");
                return V2Json.writeModelMetadata(m.info(version), version == null ? m.versions() : List.of(version));
            }
            if (action.equals("/ready")) {
                expect(method, "GET");
                m.info(version); // 404 for a version not served
                if (!m.ready()) {
                    throw new ServeError(ServeError.Kind.UNAVAILABLE, "model '" + m.name() + "' is not ready");
                }
                return null;
            }
            expect(method, "POST");
            byte[] request = read(exchange);
            InferResponse response = models.infer(m.name(), version, V2Json.readRequest(request)).join();
            return V2Json.writeResponse(response);
        }
        Matcher v1 = V1_MODEL.matcher(path);
        if (v1.matches()) {
            HostedModel m = models.model(v1.group(1));
            String version = v1.group(2);
            String action = v1.group(3);
            if (action == null) {
                expect(method, "GET");
                return TfServingJson.writeStatus(m.info(version).version(), m.ready());
            }
            if (action.equals("/metadata")) {
                expect(method, "GET");
                return TfServingJson.writeMetadata(m.info(version));
            }
            expect(method, "POST");
            return models.tfPredict(m.name(), version, read(exchange)).join();
        }
        throw new ServeError(ServeError.Kind.NOT_FOUND, "no endpoint " + path + "; see /v2, /v2/models/{name} and "
                + "/v1/models/{name}");
    }

    private static void expect(String method, String wanted) {
        if (!method.equals(wanted)) {
            throw new MethodNotAllowed(method + " is not allowed here; use " + wanted);
        }
    }

    private static byte[] read(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new ServeError(ServeError.Kind.BAD_INPUT, "the request body is larger than "
                        + MAX_BODY_BYTES + " bytes");
            }
            return body;
        }
    }

    /** A request with the wrong HTTP method: 405. */
    private static final class MethodNotAllowed extends ServeError {
        private static final long serialVersionUID = 1L;

        MethodNotAllowed(String message) {
            super(Kind.BAD_INPUT, message);
        }
    }
}
