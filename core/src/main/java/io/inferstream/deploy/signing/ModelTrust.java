package io.inferstream.deploy.signing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which model versions a deployment may load: any (the default, when no key is configured) or only those signed by
 * a trusted key ({@code model.trusted.keys}) whose files still match what was signed and whose signature, if it
 * names a model and version, names this one. The sources (model topic, versioned folder) ask it before a version is
 * offered for loading; a refusal becomes the version's defect, so it is rejected with the reason and whatever serves
 * keeps serving.
 *
 * <p>Thread safety: immutable.
 */
public final class ModelTrust {
    /** The file name of a version's signature in a versioned folder, as the OpenSSF tools name it. */
    public static final String SIGNATURE_FILE = "model.sig";

    private static final ModelTrust ANYONE = new ModelTrust(null);

    private final TrustedKeys keys;

    private ModelTrust(TrustedKeys keys) {
        this.keys = keys;
    }

    /** @return the policy that loads every version, signed or not */
    public static ModelTrust anyone() {
        return ANYONE;
    }

    /** @return the policy that loads only versions signed by one of these keys */
    public static ModelTrust signedBy(TrustedKeys keys) {
        return new ModelTrust(keys);
    }

    /** @return true if versions must be signed */
    public boolean requiresSignatures() {
        return keys != null;
    }

    /**
     * @param model the version's model file or folder
     * @param bundle its signature (an OMS bundle), or null if it has none
     * @param name the deployment's model name
     * @param version the version number
     * @return why the version may not be loaded, or empty if it may
     */
    public Optional<String> refusal(Path model, byte[] bundle, String name, String version) {
        if (keys == null) {
            return Optional.empty();
        }
        if (bundle == null) {
            return Optional.of("it is not signed, and model.trusted.keys accepts only signed versions");
        }
        try {
            ModelSignatures.Statement statement = ModelSignatures.verify(bundle, keys);
            checkBinding(statement.binding(), name, version);
            Set<String> ignored = new HashSet<>(statement.ignoredPaths());
            ignored.add(SIGNATURE_FILE);
            checkFiles(statement.manifest(), ModelManifest.of(model, ignored));
            return Optional.empty();
        } catch (UntrustedModelException e) {
            return Optional.of(e.getMessage());
        } catch (IOException e) {
            return Optional.of("its files cannot be checked against the signature: " + e.getMessage());
        }
    }

    private static void checkBinding(Map<String, String> binding, String name, String version)
            throws UntrustedModelException {
        String signedName = binding.get(ModelSignatures.MODEL_ANNOTATION);
        String signedVersion = binding.get(ModelSignatures.VERSION_ANNOTATION);
        if (signedName != null && !signedName.equals(name)) {
            throw new UntrustedModelException("it was signed for model '" + signedName + "', not '" + name + "'");
        }
        if (signedVersion != null && !signedVersion.equals(version)) {
            throw new UntrustedModelException("it was signed as version " + signedVersion + ", not " + version);
        }
    }

    private static void checkFiles(ModelManifest signed, ModelManifest actual) throws UntrustedModelException {
        Map<String, String> present = new LinkedHashMap<>();
        actual.resources().forEach(r -> present.put(r.name(), r.sha256()));
        for (ModelManifest.Resource r : signed.resources()) {
            String now = present.remove(r.name());
            if (now == null) {
                throw new UntrustedModelException("the signed file '" + r.name() + "' is missing");
            }
            if (!now.equals(r.sha256())) {
                throw new UntrustedModelException("the file '" + r.name() + "' was altered after signing (signed "
                        + "SHA-256 " + r.sha256().substring(0, 12) + "…, now " + now.substring(0, 12) + "…)");
            }
        }
        if (!present.isEmpty()) {
            throw new UntrustedModelException("the file '" + present.keySet().iterator().next()
                    + "' is not covered by the signature");
        }
    }
}
