package io.inferstream.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for a server from PEM files, as operators hold them (cert-manager, Let's Encrypt, a Kubernetes TLS secret): a
 * certificate chain, its private key (PKCS#8 {@code BEGIN PRIVATE KEY}, RSA, EC or Ed25519), and optionally the CA
 * certificates a client's certificate must chain to — given those, a client without a trusted certificate is refused
 * during the handshake (mutual TLS). Read with the JDK's own crypto, no other library.
 *
 * <p>Thread safety: immutable; the files are read when {@link #keyManagers()} / {@link #trustManagers()} are called.
 */
public final class TlsSettings {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    private static final char[] IN_MEMORY = "in-memory".toCharArray();

    private final Path certificate;
    private final Path privateKey;
    private final Path clientCa;

    private TlsSettings(Path certificate, Path privateKey, Path clientCa) {
        this.certificate = Objects.requireNonNull(certificate, "certificate");
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
        this.clientCa = clientCa;
    }

    /** TLS with this certificate chain and key; any client may connect. */
    public static TlsSettings of(Path certificatePem, Path privateKeyPem) {
        return new TlsSettings(certificatePem, privateKeyPem, null);
    }

    /** The same, but a client must present a certificate that chains to one of these CA certificates. */
    public TlsSettings requireClientCertificates(Path clientCaPem) {
        return new TlsSettings(certificate, privateKey, Objects.requireNonNull(clientCaPem, "clientCaPem"));
    }

    /** @return whether clients must present a trusted certificate */
    public boolean clientAuth() {
        return clientCa != null;
    }

    /**
     * @return the server's key managers
     * @throws IllegalArgumentException naming the file that is missing or not PEM of the right kind
     */
    public KeyManagerFactory keyManagers() {
        try {
            List<Certificate> chain = certificates(certificate);
            PrivateKey key = privateKey(privateKey);
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", key, IN_MEMORY, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, IN_MEMORY);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use " + certificate + " with " + privateKey + " for TLS: " + e,
                    e);
        }
    }

    /** @return trust managers for client certificates, or null when clients are not asked for one */
    public TrustManagerFactory trustManagers() {
        if (clientCa == null) {
            return null;
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (Certificate c : certificates(clientCa)) {
                store.setCertificateEntry("client-ca-" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot use " + clientCa + " as client CA certificates: " + e, e);
        }
    }

    /** @return a server TLS context (TLS 1.2 and 1.3) */
    public SSLContext sslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            TrustManagerFactory tmf = trustManagers();
            context.init(keyManagers().getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK offers no TLS: " + e, e);
        }
    }

    private static List<Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        Collection<? extends Certificate> read = x509.generateCertificates(
                new ByteArrayInputStream(Files.readAllBytes(pem)));
        if (read.isEmpty()) {
            throw new IllegalArgumentException(pem + " holds no PEM certificate");
        }
        return new ArrayList<>(read);
    }

    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        Matcher m = PEM.matcher(Files.readString(pem, StandardCharsets.US_ASCII));
        while (m.find()) {
            if (!m.group(1).equals("PRIVATE KEY")) {
                continue;
            }
            PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(2)));
            for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(spec);
                } catch (java.security.spec.InvalidKeySpecException notThisOne) {
                    // try the next algorithm: PKCS#8 names it inside, but KeyFactory wants it up front
                }
            }
            throw new IllegalArgumentException(pem + ": the private key is neither RSA, EC nor Ed25519");
        }
        throw new IllegalArgumentException(pem + " holds no unencrypted PKCS#8 key ('BEGIN PRIVATE KEY'); convert "
                + "one with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem");
    }

    @Override
    public String toString() {
        return "TLS with " + certificate + (clientCa == null ? "" : ", client certificates from " + clientCa);
    }
}
