package io.inferstream.sandbox.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A self-signed certificate for {@code 127.0.0.1}, made by the JDK's own {@code keytool} in a folder of the test's:
 * a PKCS12 key store for the broker and a trust store for clients, plus a SCRAM-SHA-512 user for SASL. What a test
 * needs to run Kafka's SSL and SASL_SSL listeners for real, with nothing downloaded or committed.
 *
 * <p>Thread safety: immutable after {@link #create}.
 */
public final class TlsFixture {
    public static final String PASSWORD = "inferstream-test";
    public static final String SCRAM_USER = "engine";
    public static final String SCRAM_PASSWORD = "engine-secret";

    private final Path keyStore;
    private final Path trustStore;

    private TlsFixture(Path keyStore, Path trustStore) {
        this.keyStore = keyStore;
        this.trustStore = trustStore;
    }

    /** Generates the key pair, the certificate and both stores in the folder. */
    public static TlsFixture create(Path dir) throws IOException, InterruptedException {
        Path keyStore = dir.resolve("broker.p12");
        Path cert = dir.resolve("broker.crt");
        Path trustStore = dir.resolve("truststore.p12");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-alias", "broker", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", cert.toString(), "-storetype", "PKCS12",
                "-keystore", trustStore.toString(), "-storepass", PASSWORD);
        return new TlsFixture(keyStore, trustStore);
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("keytool " + args[0] + " failed: " + output);
        }
    }

    public Path keyStore() {
        return keyStore;
    }

    public Path trustStore() {
        return trustStore;
    }

    /** @return broker settings for the SSL and SASL_SSL listeners. */
    Map<String, String> brokerSettings() {
        Map<String, String> p = new HashMap<>();
        p.put("ssl.keystore.location", keyStore.toString());
        p.put("ssl.keystore.password", PASSWORD);
        p.put("ssl.key.password", PASSWORD);
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.truststore.location", trustStore.toString());
        p.put("ssl.truststore.password", PASSWORD);
        p.put("ssl.truststore.type", "PKCS12");
        p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        return p;
    }

    /** @return the formatter's argument that creates the SCRAM user, as {@code kafka-storage format --add-scram}. */
    String scramArgument() {
        return "SCRAM-SHA-512=[name=" + SCRAM_USER + ",password=" + SCRAM_PASSWORD + "]";
    }

    /** @return client settings for the SSL listener (server verified against the trust store). */
    public Map<String, Object> sslClientSettings() {
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SSL");
        c.put("ssl.truststore.location", trustStore.toString());
        c.put("ssl.truststore.password", PASSWORD);
        c.put("ssl.truststore.type", "PKCS12");
        return c;
    }

    /** @return client settings for the SASL_SSL listener with SCRAM-SHA-512. */
    public Map<String, Object> saslSslClientSettings() {
        Map<String, Object> c = sslClientSettings();
        c.put("security.protocol", "SASL_SSL");
        c.put("sasl.mechanism", "SCRAM-SHA-512");
        c.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + SCRAM_USER + "\" password=\"" + SCRAM_PASSWORD + "\";");
        return c;
    }

    /** @return whether the key store file exists (it is deleted with the test's folder). */
    public boolean exists() {
        return Files.exists(keyStore);
    }
}
