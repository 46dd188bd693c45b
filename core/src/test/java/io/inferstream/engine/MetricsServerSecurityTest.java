package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics endpoint over HTTPS with bearer tokens, configured by metrics.tls.* and metrics.tokens.file, with a
 * certificate openssl made: scrapes need the token, probes do not (unless asked), plain HTTP gets nothing useful.
 */
class MetricsServerSecurityTest {
    private static final String TOKEN = "scraper-token-0123456789";

    @TempDir
    Path dir;

    private Path certificate;
    private Path key;
    private Path tokens;

    private void identity() throws Exception {
        certificate = dir.resolve("metrics.crt.pem");
        key = dir.resolve("metrics.key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", certificate.toString(),
                "-subj", "/CN=engine", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1")
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, output);
        tokens = Files.writeString(dir.resolve("tokens"), "# who may scrape\n" + TOKEN + "\n");
    }

    private EngineConfig config(Map<String, Object> security) {
        Map<String, Object> props = new HashMap<>(security);
        props.put(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9");
        props.put(EngineConfig.GROUP_ID, "metrics-security");
        props.put(EngineConfig.INPUT_TOPICS, "in");
        props.put(EngineConfig.OUTPUT_TOPIC, "out");
        props.put(EngineConfig.DEAD_LETTER_TOPIC, "dlt");
        props.put(EngineConfig.MODEL_PATH, "m.onnx");
        return new EngineConfig(props);
    }

    /** @return trust managers that trust only the certificate in this PEM file */
    private static javax.net.ssl.TrustManager[] trustOnly(Path pem) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            store.setCertificateEntry("engine", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    private SSLContext trusting(Path pem) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustOnly(pem), null);
        return context;
    }

    private static HttpResponse<String> get(HttpClient client, String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void scrapesNeedTheTokenOverHttpsAndProbesDoNot() throws Exception {
        identity();
        EngineConfig config = config(Map.of(EngineConfig.METRICS_TLS_CERTIFICATE, certificate.toString(),
                EngineConfig.METRICS_TLS_KEY, key.toString(), EngineConfig.METRICS_TOKENS_FILE, tokens.toString()));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("scored_total").increment(7);
        try (MetricsServer server = new MetricsServer("127.0.0.1", 0, registry, Optional::empty, () -> "{}",
                MetricsServer.LIMITS, InferenceEngine.metricsSecurity(config))) {
            HttpClient https = HttpClient.newBuilder().sslContext(trusting(certificate)).build();
            String base = "https://127.0.0.1:" + server.port();
            HttpResponse<String> refused = get(https, base + "/metrics", null);
            assertEquals(401, refused.statusCode());
            assertEquals("{\"error\":\"unauthenticated\"}", refused.body());
            assertEquals(401, get(https, base + "/metrics", "not-the-token-0123456789").statusCode());
            HttpResponse<String> scraped = get(https, base + "/metrics", TOKEN);
            assertEquals(200, scraped.statusCode());
            assertTrue(scraped.body().contains("scored_total 7.0"), scraped.body());
            assertEquals(200, get(https, base + "/health/live", null).statusCode(), "probes need no token");
            assertEquals(200, get(https, base + "/health/ready", null).statusCode());
            assertEquals(401, get(https, base + "/status.json", null).statusCode());
            assertThrows(IOException.class, () -> get(HttpClient.newHttpClient(),
                    "http://127.0.0.1:" + server.port() + "/health/live", null), "plain HTTP to the TLS port");
        }
        Map<String, Object> strict = new HashMap<>(Map.of(EngineConfig.METRICS_TOKENS_FILE, tokens.toString(),
                EngineConfig.METRICS_HEALTH_NEEDS_TOKEN, true));
        try (MetricsServer server = new MetricsServer("127.0.0.1", 0, registry, Optional::empty, () -> "{}",
                MetricsServer.LIMITS, InferenceEngine.metricsSecurity(config(strict)))) {
            HttpClient http = HttpClient.newHttpClient();
            assertEquals(401, get(http, "http://127.0.0.1:" + server.port() + "/health/live", null).statusCode());
            assertEquals(200, get(http, "http://127.0.0.1:" + server.port() + "/health/live", TOKEN).statusCode());
        }
    }

    private void openssl(String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("openssl"));
        command.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ": " + output);
    }

    /** @return a client certificate and key, signed by the CA if given, else self-signed, as a PKCS#12 file */
    private Path clientIdentity(String name, boolean signedByCa) throws Exception {
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key",
                "-out", name + ".csr", "-subj", "/CN=" + name);
        if (signedByCa) {
            openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                    "-out", name + ".pem", "-days", "1");
        } else {
            openssl("x509", "-req", "-in", name + ".csr", "-signkey", name + ".key", "-out", name + ".pem", "-days", "1");
        }
        openssl("pkcs12", "-export", "-in", name + ".pem", "-inkey", name + ".key", "-out", name + ".p12", "-passout",
                "pass:changeit");
        return dir.resolve(name + ".p12");
    }

    private HttpClient clientWith(Path p12) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), trustOnly(certificate), null);
        return HttpClient.newBuilder().sslContext(context).build();
    }

    @Test
    void withAClientCaOnlyClientsItSignedGetIn() throws Exception {
        identity();
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
                "-out", "ca.pem", "-subj", "/CN=scrapers-ca", "-days", "1");
        Path scraper = clientIdentity("scraper", true);
        Path stranger = clientIdentity("stranger", false);
        EngineConfig config = config(Map.of(EngineConfig.METRICS_TLS_CERTIFICATE, certificate.toString(),
                EngineConfig.METRICS_TLS_KEY, key.toString(), EngineConfig.METRICS_TLS_CLIENT_CA,
                dir.resolve("ca.pem").toString()));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MetricsServer server = new MetricsServer("127.0.0.1", 0, registry, Optional::empty, () -> "{}",
                MetricsServer.LIMITS, InferenceEngine.metricsSecurity(config))) {
            String url = "https://127.0.0.1:" + server.port() + "/health/live";
            assertEquals(200, get(clientWith(scraper), url, null).statusCode());
            assertThrows(IOException.class, () -> get(clientWith(stranger), url, null), "a certificate the CA did not sign");
            assertThrows(IOException.class, () -> get(HttpClient.newBuilder().sslContext(trusting(certificate)).build(),
                    url, null), "no client certificate");
        }
    }

    @Test
    void halfConfiguredTlsIsAConfigurationError() throws Exception {
        identity();
        assertTrue(assertThrows(ConfigException.class, () -> InferenceEngine.metricsSecurity(config(Map.of(
                EngineConfig.METRICS_TLS_CERTIFICATE, certificate.toString())))).getMessage().contains("go together"));
        assertTrue(assertThrows(ConfigException.class, () -> InferenceEngine.metricsSecurity(config(Map.of(
                EngineConfig.METRICS_TLS_CLIENT_CA, certificate.toString())))).getMessage().contains("needs"));
        assertTrue(assertThrows(ConfigException.class, () -> InferenceEngine.metricsSecurity(config(Map.of(
                EngineConfig.METRICS_TLS_CERTIFICATE, certificate.toString(), EngineConfig.METRICS_TLS_KEY,
                certificate.toString())))).getMessage().contains("metrics endpoint security"));
    }
}
