package io.inferstream.deploy.signing;

import io.inferstream.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes and checks OpenSSF Model Signing (OMS) v1.0 signatures in key mode: a Sigstore bundle
 * ({@code application/vnd.dev.sigstore.bundle.v0.3+json}) whose DSSE envelope carries an in-toto Statement v1 with
 * predicate type {@code https://model_signing/signature/v1.0}: one subject (the model's name and the manifest's root
 * digest) and the manifest of files as the predicate's resources. The signature is over DSSE's pre-authentication
 * encoding of the payload, made with an elliptic-curve key.
 *
 * <p>What Inferstream adds stays inside the format: the subject's annotations {@code inferstream.model} and
 * {@code inferstream.version} bind a signature to the deployment name and version it was published as, so a signed
 * model cannot be replayed under another name or version on a model topic. They are checked when present; a bundle
 * made by another OMS tool has none and proves the files only.
 *
 * <p>Thread safety: stateless.
 */
public final class ModelSignatures {
    /** The bundle media type written; any {@code application/vnd.dev.sigstore.bundle} version is read. */
    public static final String BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
    static final String PAYLOAD_TYPE = "application/vnd.in-toto+json";
    static final String STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
    static final String PREDICATE_TYPE = "https://model_signing/signature/v1.0";
    /** Subject annotation: the model (deployment) name a version was signed for. */
    public static final String MODEL_ANNOTATION = "inferstream.model";
    /** Subject annotation: the version number it was signed as. */
    public static final String VERSION_ANNOTATION = "inferstream.version";

    private ModelSignatures() {
    }

    /**
     * A checked signature's statement.
     *
     * @param manifest the files and digests that were signed
     * @param ignoredPaths the paths the signer left out (besides the specification's defaults)
     * @param binding the Inferstream annotations (model, version), empty if the signer added none
     * @param keyId the id of the trusted key that made the signature
     */
    public record Statement(ModelManifest manifest, Set<String> ignoredPaths, Map<String, String> binding,
            String keyId) {
    }

    /**
     * Signs a manifest.
     *
     * @param binding annotations for the subject (use {@link #MODEL_ANNOTATION} and {@link #VERSION_ANNOTATION}), or
     *     empty
     * @param ignoredPaths top-level names left out of the manifest (recorded in the statement)
     * @param publicKey the signer's public key, named by id in the bundle as a hint; may be null
     * @return the bundle, JSON
     */
    public static byte[] sign(ModelManifest manifest, Map<String, String> binding, Set<String> ignoredPaths,
            PrivateKey key, PublicKey publicKey) throws GeneralSecurityException {
        Map<String, Object> subject = new LinkedHashMap<>();
        subject.put("name", manifest.modelName());
        subject.put("digest", Map.of("sha256", manifest.rootDigest()));
        if (!binding.isEmpty()) {
            subject.put("annotations", new LinkedHashMap<>(binding));
        }
        Map<String, Object> serialization = new LinkedHashMap<>();
        serialization.put("method", "files");
        serialization.put("hash_type", "sha256");
        serialization.put("allow_symlinks", false);
        serialization.put("ignore_paths", new TreeSet<>(ignoredPaths));
        List<Map<String, Object>> resources = new ArrayList<>();
        for (ModelManifest.Resource r : manifest.resources()) {
            Map<String, Object> resource = new LinkedHashMap<>();
            resource.put("name", r.name());
            resource.put("algorithm", "sha256");
            resource.put("digest", r.sha256());
            resources.add(resource);
        }
        Map<String, Object> predicate = new LinkedHashMap<>();
        predicate.put("serialization", serialization);
        predicate.put("resources", resources);
        Map<String, Object> statement = new LinkedHashMap<>();
        statement.put("_type", STATEMENT_TYPE);
        statement.put("subject", List.of(subject));
        statement.put("predicateType", PREDICATE_TYPE);
        statement.put("predicate", predicate);
        byte[] payload = Json.write(statement);

        Signature signer = Signature.getInstance(TrustedKeys.signatureAlgorithm(key));
        signer.initSign(key);
        signer.update(pae(PAYLOAD_TYPE, payload));
        Map<String, Object> envelope = new LinkedHashMap<>();
        envelope.put("payload", Base64.getEncoder().encodeToString(payload));
        envelope.put("payloadType", PAYLOAD_TYPE);
        envelope.put("signatures", List.of(Map.of("sig", Base64.getEncoder().encodeToString(signer.sign()))));
        Map<String, Object> bundle = new LinkedHashMap<>();
        bundle.put("mediaType", BUNDLE_MEDIA_TYPE);
        bundle.put("verificationMaterial", Map.of("publicKey",
                Map.of("hint", publicKey == null ? "" : TrustedKeys.keyId(publicKey))));
        bundle.put("dsseEnvelope", envelope);
        return Json.write(bundle);
    }

    /**
     * Checks that a bundle is well formed and signed by one of the trusted keys, and reads its statement. Whether the
     * files still match is {@link ModelTrust}'s to check.
     *
     * @throws UntrustedModelException if it is malformed, not OMS v1.0 "files"/SHA-256, or no trusted key made it
     */
    public static Statement verify(byte[] bundleJson, TrustedKeys trusted) throws UntrustedModelException {
        Map<String, Object> bundle;
        try {
            bundle = Json.parseObject(bundleJson);
        } catch (IOException e) {
            throw new UntrustedModelException("its signature is not a JSON object: " + e.getMessage());
        }
        if (!text(bundle, "mediaType").startsWith("application/vnd.dev.sigstore.bundle")) {
            throw new UntrustedModelException("its signature is not a Sigstore bundle (mediaType '"
                    + text(bundle, "mediaType") + "')");
        }
        Map<String, Object> envelope = object(bundle, "dsseEnvelope");
        if (!PAYLOAD_TYPE.equals(text(envelope, "payloadType"))) {
            throw new UntrustedModelException("its signature's DSSE payload type is '" + text(envelope, "payloadType")
                    + "', not " + PAYLOAD_TYPE);
        }
        byte[] payload;
        try {
            payload = Base64.getDecoder().decode(text(envelope, "payload"));
        } catch (IllegalArgumentException e) {
            throw new UntrustedModelException("its signature's payload is not base64");
        }
        String keyId = signer(list(envelope, "signatures"), pae(PAYLOAD_TYPE, payload), trusted);
        if (keyId == null) {
            String hint = text(object(object(bundle, "verificationMaterial"), "publicKey"), "hint");
            throw new UntrustedModelException("it is not signed by a trusted key (the bundle names key '" + hint
                    + "'; model.trusted.keys holds " + trusted.keys().size() + ")");
        }
        return statement(payload, keyId);
    }

    private static String signer(List<Object> signatures, byte[] signed, TrustedKeys trusted) {
        for (Object entry : signatures) {
            byte[] sig;
            try {
                sig = Base64.getDecoder().decode(text(asObject(entry), "sig"));
            } catch (IllegalArgumentException e) {
                continue;
            }
            for (PublicKey key : trusted.keys()) {
                try {
                    Signature verifier = Signature.getInstance(TrustedKeys.signatureAlgorithm(key));
                    verifier.initVerify(key);
                    verifier.update(signed);
                    if (verifier.verify(sig)) {
                        return TrustedKeys.keyId(key);
                    }
                } catch (GeneralSecurityException e) {
                    // a malformed signature for this key: try the next key
                }
            }
        }
        return null;
    }

    private static Statement statement(byte[] payload, String keyId) throws UntrustedModelException {
        Map<String, Object> s;
        try {
            s = Json.parseObject(payload);
        } catch (IOException e) {
            throw new UntrustedModelException("its signed statement is not a JSON object");
        }
        if (!STATEMENT_TYPE.equals(text(s, "_type")) || !PREDICATE_TYPE.equals(text(s, "predicateType"))) {
            throw new UntrustedModelException("its signed statement is not an OpenSSF model signature v1.0 (type '"
                    + text(s, "_type") + "', predicate '" + text(s, "predicateType") + "')");
        }
        Map<String, Object> predicate = object(s, "predicate");
        Map<String, Object> serialization = object(predicate, "serialization");
        if (!"files".equals(text(serialization, "method")) || !"sha256".equals(text(serialization, "hash_type"))) {
            throw new UntrustedModelException("it was signed with serialization method '" + text(serialization, "method")
                    + "' and hash '" + text(serialization, "hash_type") + "'; Inferstream checks 'files' with "
                    + "'sha256' (the specification's default)");
        }
        Set<String> ignored = new LinkedHashSet<>();
        list(serialization, "ignore_paths").forEach(p -> ignored.add(String.valueOf(p)));
        List<ModelManifest.Resource> resources = new ArrayList<>();
        for (Object entry : list(predicate, "resources")) {
            Map<String, Object> r = asObject(entry);
            if (!"sha256".equals(text(r, "algorithm")) || !text(r, "digest").matches("[0-9a-f]{64}")) {
                throw new UntrustedModelException("its signed resource '" + text(r, "name") + "' has no SHA-256 digest");
            }
            resources.add(new ModelManifest.Resource(text(r, "name"), text(r, "digest")));
        }
        if (resources.isEmpty()) {
            throw new UntrustedModelException("its signed statement lists no file");
        }
        List<Object> subjects = list(s, "subject");
        Map<String, Object> subject = subjects.isEmpty() ? Map.of() : asObject(subjects.get(0));
        Map<String, Object> annotations = object(subject, "annotations");
        Map<String, String> binding = new LinkedHashMap<>();
        for (String key : new String[] {MODEL_ANNOTATION, VERSION_ANNOTATION}) {
            if (annotations.get(key) != null) {
                binding.put(key, String.valueOf(annotations.get(key)));
            }
        }
        return new Statement(new ModelManifest(text(subject, "name"), resources), ignored, binding, keyId);
    }

    private static String text(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof String ? (String) v : "";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asObject(Object v) {
        return v instanceof Map ? (Map<String, Object>) v : Map.of();
    }

    private static Map<String, Object> object(Map<String, Object> m, String key) {
        return asObject(m.get(key));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof List ? (List<Object>) v : List.of();
    }

    /** DSSE's pre-authentication encoding: "DSSEv1 &lt;len type&gt; &lt;type&gt; &lt;len body&gt; &lt;body&gt;". */
    static byte[] pae(String payloadType, byte[] payload) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length + type.length + 32);
        out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(type);
        out.writeBytes((" " + payload.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(payload);
        return out.toByteArray();
    }
}
