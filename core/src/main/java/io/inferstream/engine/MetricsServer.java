package io.inferstream.engine;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's small HTTP endpoint ({@code metrics.port}): {@code GET /metrics} in Prometheus' text format,
 * {@code GET /health/live} (200 while the process runs) and {@code GET /health/ready} (200 when ready, else 503 with
 * a JSON reason), for Prometheus and Kubernetes probes; and a live status page, {@code GET /} (a page from the class
 * path that plots {@code GET /status.json}, polled every second; no network beyond this endpoint). It runs on one
 * daemon thread of its own, so a scrape never touches a worker.
 *
 * <p>Thread safety: thread-safe; {@link #close()} may be called from any thread.
 */
final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    private static final String JSON = "application/json";

    /** The status page: one self-contained file (inline script and SVG plots), read once. */
    private static final String STATUS_PAGE = statusPage();

    private final HttpServer server;
    private final ExecutorService executor;

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
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port + " for metrics.port: " + e, e);
        }
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "inferstream-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> respond(exchange, 200,
                "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
        server.createContext("/status.json", exchange -> respond(exchange, 200, JSON, status.get()));
        server.createContext("/", exchange -> respond(exchange, 200, "text/html; charset=utf-8", STATUS_PAGE));
        server.createContext("/health/live", exchange -> respond(exchange, 200, JSON, "{\"status\":\"UP\"}"));
        server.createContext("/health/ready", exchange -> {
            Optional<String> reason = notReady.get();
            if (reason.isEmpty()) {
                respond(exchange, 200, JSON, "{\"status\":\"UP\"}");
            } else {
                respond(exchange, 503, JSON, "{\"status\":\"DOWN\",\"reason\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(reason.get())) + "\"}");
            }
        });
        server.start();
        LOG.info("Status page, metrics and health on http://{}:{}/ (/metrics, /health/live, /health/ready)", host, port());
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
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            // createContext matches prefixes: /metricsfoo or /health/ready/x are not ours.
            if (!path.equals(exchange.getHttpContext().getPath())) {
                send(exchange, 404, JSON, "{\"error\":\"not found\"}");
            } else if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, JSON, "{\"error\":\"method not allowed\"}");
            } else {
                send(exchange, status, contentType, body);
            }
        } catch (RuntimeException e) {
            LOG.warn("metrics endpoint: {}", e.toString());
            throw e;
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
