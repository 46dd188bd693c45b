package io.inferstream.engine;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.inferstream.http.HttpEndpoint;
import io.inferstream.http.HttpLimits;
import io.inferstream.http.HttpSecurity;
import io.inferstream.http.JsonErrors;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's small HTTP endpoint ({@code metrics.port}): {@code GET /metrics} in Prometheus' text format,
 * {@code GET /health/live} (200 while the process runs) and {@code GET /health/ready} (200 when ready, else 503 with
 * a JSON reason), for Prometheus and Kubernetes probes; and a live status page, {@code GET /} (a page from the class
 * path that plots {@code GET /status.json}, polled every second; no network beyond this endpoint). It runs on an
 * {@link HttpEndpoint} with threads of its own, so a scrape never touches a worker, and a slow or stalled client
 * holds only a connection (closed by the endpoint's timeouts), never the thread a liveness probe needs.
 *
 * <p>Thread safety: thread-safe; {@link #close()} may be called from any thread.
 */
final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    private static final String JSON = "application/json";
    /** Probes and scrapers send no body: a request that does is refused long before it could fill memory. */
    static final HttpLimits LIMITS = HttpLimits.defaults().withMaxThreads(16)
            .withMaxBodyBytes(0);

    /** The status page: one self-contained file (inline script and SVG plots), read once. */
    private static final String STATUS_PAGE = statusPage();

    private final HttpEndpoint server;

    /**
     * @param notReady empty when the engine is ready, else why not
     * @throws UncheckedIOException if the address cannot be bound (port taken, unknown host)
     */
    MetricsServer(String host, int port, PrometheusMeterRegistry registry, Supplier<Optional<String>> notReady) {
        this(host, port, registry, notReady, () -> "{}");
    }

    /** @param status the status page's figures as JSON ({@link StatusReport}) */
    MetricsServer(String host, int port, PrometheusMeterRegistry registry, Supplier<Optional<String>> notReady,
            Supplier<String> status) {
        this(host, port, registry, notReady, status, LIMITS);
    }

    /** @param limits what a client may do (tests shorten the timeouts) */
    MetricsServer(String host, int port, PrometheusMeterRegistry registry, Supplier<Optional<String>> notReady,
            Supplier<String> status, HttpLimits limits) {
        this(host, port, registry, notReady, status, limits, HttpSecurity.none());
    }

    /** @param security TLS and bearer tokens (health may stay open for probes) */
    MetricsServer(String host, int port, PrometheusMeterRegistry registry, Supplier<Optional<String>> notReady,
            Supplier<String> status, HttpLimits limits, HttpSecurity security) {
        Request.Handler routes = (request, response, callback) -> {
            String path = request.getHttpURI().getPath();
            switch (path == null ? "" : path) {
                case "/metrics":
                    return respond(request, response, callback, 200, "text/plain; version=0.0.4; charset=utf-8",
                            registry::scrape);
                case "/status.json":
                    return respond(request, response, callback, 200, JSON, status);
                case "/":
                    return respond(request, response, callback, 200, "text/html; charset=utf-8", () -> STATUS_PAGE);
                case "/health/live":
                    return respond(request, response, callback, 200, JSON, () -> "{\"status\":\"UP\"}");
                case "/health/ready":
                    Optional<String> reason = notReady.get();
                    return respond(request, response, callback, reason.isEmpty() ? 200 : 503, JSON,
                            () -> reason.isEmpty() ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\",\"reason\":\""
                                    + new String(JsonStringEncoder.getInstance().quoteAsString(reason.get())) + "\"}");
                default:
                    JsonErrors.send(request, response, callback, 404, "not found");
                    return true;
            }
        };
        try {
            server = HttpEndpoint.start("inferstream-metrics-http", host, port, limits, security, routes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for metrics.port: " + e, e);
        }
        LOG.info("Status page, metrics and health on {}://{}:{}/ (/metrics, /health/live, /health/ready){}",
                security.tls() == null ? "http" : "https", host, port(),
                security.tokens() == null ? "" : ", bearer token required");
    }

    private static String statusPage() {
        try (java.io.InputStream in = MetricsServer.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IllegalStateException("status.html is missing from the class path (a broken build)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the port listened on (the one chosen, with metrics.port=0). */
    int port() {
        return server.port();
    }

    private static boolean respond(Request request, Response response, Callback callback, int status,
            String contentType, Supplier<String> body) {
        String method = request.getMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            JsonErrors.send(request, response, callback, 405, "method not allowed");
            return true;
        }
        byte[] bytes;
        try {
            bytes = body.get().getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            LOG.warn("metrics endpoint: {}", e.toString());
            JsonErrors.send(request, response, callback, 500, "internal error");
            return true;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, "HEAD".equals(method) ? null : ByteBuffer.wrap(bytes), callback);
        return true;
    }

    @Override
    public void close() {
        server.close();
    }
}
