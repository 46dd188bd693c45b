package io.inferstream.deploy;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What a {@link DeploymentSource} says should be served for one model name: the versions on offer and, optionally,
 * the routing between them. Without a routing, the newest version that loads serves all traffic (TF Serving's
 * "latest" policy); a newer version that is rejected leaves the previous one serving.
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class DeploymentSpec {
    /** Orders version numbers numerically. */
    public static final Comparator<String> VERSION_ORDER = Comparator.comparingLong(Long::parseLong);

    private final String modelName;
    private final Map<String, VersionSpec> versions;
    private final RoutingSpec routing;

    /**
     * @param modelName the deployment's model name; null to keep each model's own (a fixed source)
     * @param versions the versions on offer
     * @param routing the routing between them, or null for "newest that loads"
     */
    public DeploymentSpec(String modelName, List<VersionSpec> versions, RoutingSpec routing) {
        this.modelName = modelName;
        Map<String, VersionSpec> byVersion = new LinkedHashMap<>();
        versions.stream().sorted(Comparator.comparing(VersionSpec::version, VERSION_ORDER))
                .forEach(v -> byVersion.put(v.version(), v));
        this.versions = Collections.unmodifiableMap(byVersion);
        this.routing = routing;
    }

    /** @return the model name predictions carry, if the deployment names it. */
    public Optional<String> modelName() {
        return Optional.ofNullable(modelName);
    }

    /** @return version number to spec, oldest first. */
    public Map<String, VersionSpec> versions() {
        return versions;
    }

    /** @return the explicit routing, if any. */
    public Optional<RoutingSpec> routing() {
        return Optional.ofNullable(routing);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DeploymentSpec)) {
            return false;
        }
        DeploymentSpec d = (DeploymentSpec) o;
        return Objects.equals(modelName, d.modelName) && Objects.equals(routing, d.routing)
                && fingerprints().equals(d.fingerprints());
    }

    private Map<String, String> fingerprints() {
        return versions.values().stream().collect(Collectors.toMap(VersionSpec::version,
                v -> v.fingerprint() + v.defect().orElse("")));
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelName, routing, fingerprints());
    }

    @Override
    public String toString() {
        return (modelName == null ? "model" : modelName) + " versions " + versions.keySet()
                + (routing == null ? " (newest serves)" : " routed " + routing);
    }
}
