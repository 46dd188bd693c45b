package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(int port, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesPrometheusTextLivenessAndReadinessWithItsReason() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("inferstream.test").tag("model", "m").register(registry).increment(3);
        AtomicReference<Optional<String>> notReady = new AtomicReference<>(Optional.of("no \"model\" yet\n"));
        try (MetricsServer server = new MetricsServer("127.0.0.1", 0, registry, notReady::get)) {
            int port = server.port();
            HttpResponse<String> metrics = send(port, "GET", "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("inferstream_test_total{model=\"m\"} 3.0"), metrics.body());
            assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));

            assertEquals(200, send(port, "GET", "/health/live").statusCode());
            HttpResponse<String> ready = send(port, "GET", "/health/ready");
            assertEquals(503, ready.statusCode());
            assertEquals("{\"status\":\"DOWN\",\"reason\":\"no \\\"model\\\" yet\\n\"}", ready.body());
            notReady.set(Optional.empty());
            assertEquals(200, send(port, "GET", "/health/ready").statusCode());

            assertEquals(404, send(port, "GET", "/metricsx").statusCode());
            assertEquals(404, send(port, "GET", "/nothing").statusCode());
            HttpResponse<String> page = send(port, "GET", "/");
            assertEquals(200, page.statusCode(), "the status page");
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            assertTrue(page.body().contains("fetch(\"status.json\"") && !page.body().contains("http://")
                    && !page.body().contains("https://"), "plots from status.json, nothing from the network");
            assertEquals(405, send(port, "POST", "/metrics").statusCode());
            assertEquals(200, send(port, "HEAD", "/metrics").statusCode());
        }
    }
}
