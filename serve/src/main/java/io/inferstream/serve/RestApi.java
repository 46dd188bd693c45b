package io.inferstream.serve;

import io.inferstream.http.HttpLimits;
import io.inferstream.http.HttpStatusException;
import io.inferstream.http.JsonErrors;
import io.inferstream.http.RequestBodies;
import io.inferstream.protocol.TfServingJson;
import io.inferstream.protocol.V2Json;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
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
 * unknown model, version or path, 405 for a wrong method, 408 for a body that arrives too slowly, 413 for a body over
 * the cap, 503 when the model is not ready, 500 when it failed.
 *
 * <p>No thread waits on a client or a model: the body is read as it arrives ({@link RequestBodies}), the request
 * joins its model's batch, and the answer is written on one of the server's threads when the batch is scored. So
 * requests waiting for a busy model never hold back a health probe.
 *
 * <p>Thread safety: thread-safe.
 */
final class RestApi implements Request.Handler {
    private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);
    private static final Pattern V2_MODEL =
            Pattern.compile("/v2/models/([^/]+)(?:/versions/([^/]+))?(/ready|/infer)?/?");
    private static final Pattern V1_MODEL =
            Pattern.compile("/v1/models/([^/:]+)(?:/versions/([^/:]+))?(:predict|/metadata)?/?");
    private static final CompletableFuture<byte[]> EMPTY = CompletableFuture.completedFuture(null);

    private final ServedModels models;
    private final String serverVersion;
    private final HttpLimits limits;
    private volatile Executor responders = Runnable::run;

    RestApi(ServedModels models, String serverVersion, HttpLimits limits) {
        this.models = models;
        this.serverVersion = serverVersion;
        this.limits = limits;
    }

    /** Where answers are encoded and written once the server runs: its own threads, not the model's batcher. */
    void respondOn(Executor executor) {
        this.responders = executor;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        String path = request.getHttpURI().getPath();
        CompletableFuture<byte[]> reply;
        try {
            reply = route(request, method, path == null ? "" : path);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenCompleteAsync((body, failure) -> {
            if (failure != null) {
                fail(request, response, callback, method, path, failure);
            } else if (body == null) {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
                response.write(true, null, callback);
            } else {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                response.write(true, ByteBuffer.wrap(body), callback);
            }
        }, responders);
        return true;
    }

    private static void fail(Request request, Response response, Callback callback, String method, String path,
            Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        int status;
        String message;
        if (cause instanceof HttpStatusException) {
            status = ((HttpStatusException) cause).status();
            message = cause.getMessage();
        } else {
            ServeError error = ServeError.of(cause);
            if (error.kind() == ServeError.Kind.INTERNAL) {
                LOG.warn("{} {} failed: {}", method, path, error.getMessage());
            }
            status = error instanceof MethodNotAllowed ? 405 : error.kind().http;
            message = error.getMessage();
        }
        JsonErrors.send(request, response, callback, status, message);
    }

    /** @return completes with the response body, or null for an empty 200 */
    private CompletableFuture<byte[]> route(Request request, String method, String path) {
        if (path.equals("/v2/health/live")) {
            expect(method, "GET");
            return EMPTY;
        }
        if (path.equals("/v2/health/ready")) {
            expect(method, "GET");
            if (!models.allReady()) {
                throw new ServeError(ServeError.Kind.UNAVAILABLE, "not every model is ready");
            }
            return EMPTY;
        }
        if (path.equals("/v2") || path.equals("/v2/")) {
            expect(method, "GET");
            return CompletableFuture.completedFuture(
                    V2Json.writeServerMetadata("inferstream", serverVersion, List.of()));
        }
        Matcher v2 = V2_MODEL.matcher(path);
        if (v2.matches()) {
            HostedModel m = models.model(v2.group(1));
            String version = v2.group(2);
            String action = v2.group(3);
            if (action == null) {
                expect(method, "GET");
                return CompletableFuture.completedFuture(V2Json.writeModelMetadata(m.info(version),
                        version == null ? m.versions() : List.of(version)));
            }
            if (action.equals("/ready")) {
                expect(method, "GET");
                m.info(version); // 404 for a version not served
                if (!m.ready()) {
                    throw new ServeError(ServeError.Kind.UNAVAILABLE, "model '" + m.name() + "' is not ready");
                }
                return EMPTY;
            }
            expect(method, "POST");
            return body(request).thenCompose(bytes -> models.infer(m.name(), version, V2Json.readRequest(bytes)))
                    .thenApplyAsync(V2Json::writeResponse, responders);
        }
        Matcher v1 = V1_MODEL.matcher(path);
        if (v1.matches()) {
            HostedModel m = models.model(v1.group(1));
            String version = v1.group(2);
            String action = v1.group(3);
            if (action == null) {
                expect(method, "GET");
                return CompletableFuture.completedFuture(
                        TfServingJson.writeStatus(m.info(version).version(), m.ready()));
            }
            if (action.equals("/metadata")) {
                expect(method, "GET");
                return CompletableFuture.completedFuture(TfServingJson.writeMetadata(m.info(version)));
            }
            expect(method, "POST");
            return body(request).thenCompose(bytes -> models.tfPredict(m.name(), version, bytes));
        }
        throw new ServeError(ServeError.Kind.NOT_FOUND, "no endpoint " + path + "; see /v2, /v2/models/{name} and "
                + "/v1/models/{name}");
    }

    private CompletableFuture<byte[]> body(Request request) {
        return RequestBodies.read(request, limits.maxBodyBytes(), limits.bodyTimeout());
    }

    private static void expect(String method, String wanted) {
        if (!method.equals(wanted)) {
            throw new MethodNotAllowed(method + " is not allowed here; use " + wanted);
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
