package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The metrics endpoint under slow clients, on 127.0.0.1: 300 connections that send part of a request head and stall
 * must not delay a liveness probe (the JDK server this replaced answered probes on one thread, so one stalled
 * connection blocked them), and the server closes the stalled connections once the head deadline passes.
 */
class MetricsServerAbuseTest {
    private static final int STALLERS = 300;

    @Test
    void livenessAnswersWithinASecondWhileHundredsOfConnectionsStallAndTheStalledAreClosed() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MetricsServer server = new MetricsServer("127.0.0.1", 0, registry, Optional::empty, () -> "{}",
                MetricsServer.LIMITS.withHeaderTimeout(Duration.ofSeconds(1)))) {
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < STALLERS; i++) {
                    Socket s = socket(server.port());
                    s.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII));
                    stalled.add(s);
                }
                for (int probe = 0; probe < 5; probe++) {
                    long t0 = System.nanoTime();
                    assertEquals(200, status(server.port(), "/health/live"));
                    long millis = (System.nanoTime() - t0) / 1_000_000;
                    assertTrue(millis < 1000, "a probe took " + millis + " ms");
                }
                for (Socket s : stalled) {
                    // closed by the server (end of stream), not answered, within the deadline and a margin
                    assertEquals(-1, s.getInputStream().read(), "a stalled connection got bytes");
                }
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
            assertEquals(200, status(server.port(), "/metrics"));
            assertEquals(200, status(server.port(), "/health/ready"));
        }
    }

    private static Socket socket(int port) throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    private static int status(int port, String path) throws Exception {
        try (Socket s = socket(port)) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String line = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(line.substring(9, 12));
        }
    }
}
