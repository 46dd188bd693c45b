package io.inferstream.deploy.signing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The public keys whose signatures an engine accepts, read from PEM files ({@code -----BEGIN PUBLIC KEY-----}, as
 * {@code openssl ec -pubout} writes them; a file may hold several). Keys are elliptic-curve keys (P-256, P-384,
 * P-521), the key type the OpenSSF Model Signing tools use in key mode. Also reads the signer's private key.
 *
 * <p>Thread safety: immutable.
 */
public final class TrustedKeys {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private final List<PublicKey> keys;

    private TrustedKeys(List<PublicKey> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * @param files PEM files of public keys
     * @throws IOException if a file cannot be read or holds no elliptic-curve public key
     */
    public static TrustedKeys fromFiles(List<Path> files) throws IOException {
        List<PublicKey> keys = new ArrayList<>();
        for (Path file : files) {
            int before = keys.size();
            for (byte[] der : blocks(file, "PUBLIC KEY")) {
                try {
                    keys.add(KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der)));
                } catch (GeneralSecurityException e) {
                    throw new IOException(file + ": not an elliptic-curve public key (P-256, P-384 or P-521): "
                            + e.getMessage(), e);
                }
            }
            if (keys.size() == before) {
                throw new IOException(file + " holds no '-----BEGIN PUBLIC KEY-----' block: give the signers' public "
                        + "keys, e.g. from 'openssl ec -in signer.pem -pubout -out signer.pub.pem'");
            }
        }
        return new TrustedKeys(keys);
    }

    /** @return the keys, in the order read */
    public List<PublicKey> keys() {
        return keys;
    }

    /**
     * Reads a signer's private key: PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}, as {@code openssl genpkey
     * -algorithm EC -pkeyopt ec_paramgen_curve:P-256} writes it).
     *
     * @throws IOException if the file cannot be read or is not an unencrypted PKCS#8 elliptic-curve key
     */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        if (text.contains("BEGIN EC PRIVATE KEY")) {
            throw new IOException(file + " is a SEC1 key ('BEGIN EC PRIVATE KEY'); convert it to PKCS#8 with "
                    + "'openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + " -out signer.pk8.pem'");
        }
        if (text.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
            throw new IOException(file + " is encrypted; give an unencrypted PKCS#8 key (keep it where only the "
                    + "publisher can read it)");
        }
        List<byte[]> blocks = blocks(file, "PRIVATE KEY");
        if (blocks.size() != 1) {
            throw new IOException(file + " should hold one '-----BEGIN PRIVATE KEY-----' block, found "
                    + blocks.size());
        }
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(blocks.get(0)));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not an elliptic-curve private key (P-256, P-384 or P-521): "
                    + e.getMessage(), e);
        }
    }

    private static List<byte[]> blocks(Path file, String type) throws IOException {
        Matcher m = PEM.matcher(Files.readString(file, StandardCharsets.US_ASCII));
        List<byte[]> out = new ArrayList<>();
        while (m.find()) {
            if (m.group(1).equals(type)) {
                out.add(Base64.getMimeDecoder().decode(m.group(2)));
            }
        }
        return out;
    }

    /** @return the key's id: the hex SHA-256 of its encoded form (what a bundle's key hint names) */
    static String keyId(PublicKey key) {
        return HexFormat.of().formatHex(ModelManifest.newSha256().digest(key.getEncoded()));
    }

    /** @return the JCA signature algorithm for an elliptic-curve key, the hash sized to the curve */
    static String signatureAlgorithm(java.security.Key key) {
        if (!(key instanceof ECKey)) {
            throw new IllegalArgumentException("signing keys are elliptic-curve keys, not " + key.getAlgorithm());
        }
        int bits = ((ECKey) key).getParams().getCurve().getField().getFieldSize();
        return bits <= 256 ? "SHA256withECDSA" : bits <= 384 ? "SHA384withECDSA" : "SHA512withECDSA";
    }
}
