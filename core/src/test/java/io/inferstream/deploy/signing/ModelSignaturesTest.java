package io.inferstream.deploy.signing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.deploy.DeploymentSpec;
import io.inferstream.deploy.VersionSpec;
import io.inferstream.deploy.VersionedDirectorySource;
import io.inferstream.json.Json;
import io.inferstream.model.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed models with keys made by openssl, as an operator makes them: a versioned folder under model.trusted.keys
 * offers only versions signed by a trusted key over their current files for this name and version; every other
 * version is offered as defective with the reason. The signature itself is checked by openssl too, and the signed
 * file digests by sha256sum, so the format is not only consistent with itself.
 */
class ModelSignaturesTest {
    @TempDir
    Path dir;

    private Path signer;
    private Path signerPublic;
    private Path stranger;

    @BeforeEach
    void keys() throws Exception {
        signer = dir.resolve("signer.pem");
        signerPublic = dir.resolve("signer.pub.pem");
        stranger = dir.resolve("stranger.pem");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", signer.toString());
        openssl("pkey", "-in", signer.toString(), "-pubout", "-out", signerPublic.toString());
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", stranger.toString());
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + output);
        return output;
    }

    private static void openssl(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        run(command);
    }

    private Path version(Path base, String v, String content) throws IOException {
        Path folder = Files.createDirectories(base.resolve(v));
        Files.writeString(folder.resolve("model.onnx"), content);
        return folder;
    }

    private static void sign(Path key, Path folder, String name, String version) throws IOException {
        Files.write(folder.resolve(ModelTrust.SIGNATURE_FILE),
                ModelSigner.fromPem(key).sign(folder, null, name, version));
    }

    @Test
    void aFolderUnderTrustedKeysOffersOnlyVersionsSignedForThemOverTheirCurrentFiles() throws Exception {
        Path base = Files.createDirectories(dir.resolve("fraud"));
        sign(signer, version(base, "1", "weights one"), "fraud", "1");
        version(base, "2", "weights two");
        sign(stranger, version(base, "3", "weights three"), "fraud", "3");
        Path altered = version(base, "4", "weights four");
        sign(signer, altered, "fraud", "4");
        Files.writeString(altered.resolve("model.onnx"), "weights four, edited");
        sign(signer, version(base, "5", "weights five"), "fraud", "9");
        sign(signer, version(base, "6", "weights six"), "payments", "6");
        Path extra = version(base, "7", "weights seven");
        sign(signer, extra, "fraud", "7");
        Files.writeString(extra.resolve("extra.bin"), "slipped in after signing");

        ModelTrust trust = ModelTrust.signedBy(TrustedKeys.fromFiles(List.of(signerPublic)));
        DeploymentSpec spec;
        try (VersionedDirectorySource source = new VersionedDirectorySource(base, null, "all", null,
                Duration.ofMillis(50), path -> () -> {
                    throw new ModelLoadException("not loaded in this test: " + path);
                }, trust)) {
            spec = source.initial(Duration.ofSeconds(5));
        }
        Map<String, VersionSpec> versions = spec.versions();
        assertEquals(List.of("1", "2", "3", "4", "5", "6", "7"), List.copyOf(versions.keySet()));
        assertTrue(versions.get("1").defect().isEmpty(), "signed by the trusted key: " + versions.get("1").defect());
        assertDefect(versions.get("2"), "it is not signed");
        assertDefect(versions.get("3"), "not signed by a trusted key");
        assertDefect(versions.get("4"), "'model.onnx' was altered after signing");
        assertDefect(versions.get("5"), "signed as version 9, not 5");
        assertDefect(versions.get("6"), "signed for model 'payments', not 'fraud'");
        assertDefect(versions.get("7"), "'extra.bin' is not covered by the signature");
        assertEquals(base.resolve("1").resolve("model.onnx"), VersionedDirectorySource.modelPathIn(base.resolve("1")),
                "the signature beside the model is not part of it");
    }

    private static void assertDefect(VersionSpec version, String reason) {
        assertTrue(version.defect().isPresent() && version.defect().get().contains(reason),
                version + ": expected '" + reason + "', got " + version.defect());
    }

    @Test
    void theBundleIsAnOpenSslCheckableDsseSignatureOverTheFilesSha256() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("model.onnx"), "the network");
        Files.writeString(Files.createDirectories(model.resolve("assets")).resolve("vocab.txt"), "a\nb\n");
        Files.writeString(Files.createDirectories(model.resolve(".git")).resolve("HEAD"), "ref: main");
        sign(signer, model, "m", "1");

        Map<String, Object> bundle = Json.parseObject(Files.readAllBytes(model.resolve(ModelTrust.SIGNATURE_FILE)));
        assertEquals("application/vnd.dev.sigstore.bundle.v0.3+json", bundle.get("mediaType"));
        @SuppressWarnings("unchecked")
        Map<String, Object> envelope = (Map<String, Object>) bundle.get("dsseEnvelope");
        assertEquals("application/vnd.in-toto+json", envelope.get("payloadType"));
        byte[] payload = Base64.getDecoder().decode((String) envelope.get("payload"));
        @SuppressWarnings("unchecked")
        String sig = (String) ((Map<String, Object>) ((List<?>) envelope.get("signatures")).get(0)).get("sig");
        // DSSE v1 pre-authentication encoding, written out by hand from the DSSE protocol, verified by openssl.
        byte[] type = "application/vnd.in-toto+json".getBytes(StandardCharsets.UTF_8);
        Path pae = dir.resolve("pae.bin");
        try (var out = Files.newOutputStream(pae)) {
            out.write(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
            out.write(type);
            out.write((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
        }
        Path sigFile = Files.write(dir.resolve("sig.der"), Base64.getDecoder().decode(sig));
        assertTrue(run("openssl", "dgst", "-sha256", "-verify", signerPublic.toString(), "-signature",
                sigFile.toString(), pae.toString()).contains("Verified OK"));

        Map<String, Object> statement = Json.parseObject(payload);
        assertEquals("https://in-toto.io/Statement/v1", statement.get("_type"));
        assertEquals("https://model_signing/signature/v1.0", statement.get("predicateType"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> resources = (List<Map<String, Object>>) ((Map<String, Object>) statement
                .get("predicate")).get("resources");
        assertEquals(List.of("assets/vocab.txt", "model.onnx"), resources.stream().map(r -> r.get("name")).toList(),
                "sorted, '/'-separated, .git and model.sig left out");
        for (Map<String, Object> r : resources) {
            String sum = run("sha256sum", model.resolve((String) r.get("name")).toString()).split(" ")[0];
            assertEquals(sum, r.get("digest"), (String) r.get("name"));
        }
    }

    @Test
    void keyFilesInTheWrongFormAreExplained() throws Exception {
        Path sec1 = dir.resolve("sec1.pem");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", sec1.toString());
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> TrustedKeys.readPrivateKey(sec1));
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8"), e.getMessage());
        IOException notPublic = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> TrustedKeys.fromFiles(List.of(signer)));
        assertTrue(notPublic.getMessage().contains("-pubout"), notPublic.getMessage());
    }
}
