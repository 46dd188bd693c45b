package io.inferstream.deploy;

import io.inferstream.model.ModelProvider;
import java.util.Objects;
import java.util.Optional;

/**
 * One model version as a {@link DeploymentSource} offers it, before it is loaded: its number, where it comes from,
 * a fingerprint of its content, and how to load an instance of it. A source that already knows the version cannot
 * be used (a checksum mismatch, too large, chunks missing) says so as its {@link #defect()}, and the manager rejects
 * it without loading.
 *
 * <p>Thread safety: immutable; the provider must allow calls from the manager's loading thread.
 */
public final class VersionSpec {
    private final String version;
    private final String origin;
    private final String fingerprint;
    private final ModelProvider provider;
    private final String defect;
    private final boolean keepModelIdentity;

    private VersionSpec(String version, String origin, String fingerprint, ModelProvider provider, String defect,
            boolean keepModelIdentity) {
        this.version = version;
        this.origin = Objects.requireNonNull(origin, "origin");
        this.fingerprint = Objects.requireNonNull(fingerprint, "fingerprint");
        this.provider = provider;
        this.defect = defect;
        this.keepModelIdentity = keepModelIdentity;
    }

    /**
     * A loadable version.
     *
     * @param version a whole number above 0
     * @param origin where it comes from, for logs (a folder, a topic offset)
     * @param fingerprint changes whenever the content changes (a SHA-256, a folder's sizes and times)
     * @param provider loads one new instance per call
     */
    public static VersionSpec of(String version, String origin, String fingerprint, ModelProvider provider) {
        return new VersionSpec(RoutingSpec.requireVersion(version), origin, fingerprint,
                Objects.requireNonNull(provider, "provider"), null, false);
    }

    /** A version that is known and cannot be loaded, with the reason. */
    public static VersionSpec defective(String version, String origin, String fingerprint, String defect) {
        return new VersionSpec(RoutingSpec.requireVersion(version), origin, fingerprint, null,
                Objects.requireNonNull(defect, "defect"), false);
    }

    /**
     * The one model of a fixed source (a file path, or a model given in code): it keeps the name and version the
     * model itself declares, as the engine always did.
     */
    public static VersionSpec fixed(String origin, ModelProvider provider) {
        return new VersionSpec("1", origin, origin, Objects.requireNonNull(provider, "provider"), null, true);
    }

    /** @return the version number as text, without leading zeros. */
    public String version() {
        return version;
    }

    /** @return where the version comes from, for logs and listings. */
    public String origin() {
        return origin;
    }

    /** @return an identity of the content; a rejected version is tried again only when it changes. */
    public String fingerprint() {
        return fingerprint;
    }

    /** @return why it cannot be loaded, if the source already knows. */
    public Optional<String> defect() {
        return Optional.ofNullable(defect);
    }

    /** @return the loader of new instances; null for a defective version. */
    public ModelProvider provider() {
        return provider;
    }

    /** @return true if predictions carry the model's own name and version rather than the deployment's. */
    public boolean keepModelIdentity() {
        return keepModelIdentity;
    }

    @Override
    public String toString() {
        return "version " + version + " (" + origin + ")";
    }
}
