package io.inferstream.deploy.signing;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Signs model versions with one private key, in the OpenSSF Model Signing format ({@link ModelSignatures}), bound to
 * the model name and version they are published as.
 *
 * <p>Thread safety: immutable; {@link #sign} may be called from any thread.
 */
public final class ModelSigner {
    private final PrivateKey key;
    private final PublicKey publicKey;

    /**
     * @param key the signer's private key (elliptic curve)
     * @param publicKey its public key, named in the bundle as a hint for verifiers; may be null
     */
    public ModelSigner(PrivateKey key, PublicKey publicKey) {
        this.key = Objects.requireNonNull(key, "key");
        this.publicKey = publicKey;
        TrustedKeys.signatureAlgorithm(key);
    }

    /** @return a signer with the PKCS#8 PEM private key in this file (see {@link TrustedKeys#readPrivateKey}) */
    public static ModelSigner fromPem(Path privateKey) throws IOException {
        return new ModelSigner(TrustedKeys.readPrivateKey(privateKey), null);
    }

    /**
     * @param model the model file or folder
     * @param fileName the name a single-file model is deployed under (its own name if null)
     * @param name the model (deployment) name the signature is for
     * @param version the version number it is for
     * @return the signature bundle, JSON
     * @throws IOException if the model cannot be read
     */
    public byte[] sign(Path model, String fileName, String name, String version) throws IOException {
        Set<String> ignored = Set.of(ModelTrust.SIGNATURE_FILE);
        ModelManifest manifest = ModelManifest.of(model, ignored,
                fileName == null ? model.getFileName().toString() : fileName);
        Map<String, String> binding = new LinkedHashMap<>();
        binding.put(ModelSignatures.MODEL_ANNOTATION, name);
        binding.put(ModelSignatures.VERSION_ANNOTATION, version);
        try {
            return ModelSignatures.sign(manifest, binding, ignored, key, publicKey);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot sign with the given key: " + e.getMessage(), e);
        }
    }
}
