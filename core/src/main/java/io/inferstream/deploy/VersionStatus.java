package io.inferstream.deploy;

import java.util.Objects;

/**
 * What became of one version in a deployment: loaded (and how much of the traffic it serves, or shadow),
 * rejected with the reason, or retired. The manager logs each change once and hands it to the source, which may
 * publish it (the Kafka model topic does, for {@code inferstream models}).
 *
 * <p>Thread safety: immutable.
 */
public final class VersionStatus {
    /** A version's state. */
    public enum State {
        /** Loaded and warmed up; serving the given weight, as a shadow, or standing by. */
        LOADED,
        /** Could not be used; the reason says why. The serving versions keep serving. */
        REJECTED,
        /** No longer in any deployment; closed once its last batch ended. */
        RETIRED
    }

    private final String modelName;
    private final String version;
    private final State state;
    private final int weightPercent;
    private final boolean shadow;
    private final String reason;

    public VersionStatus(String modelName, String version, State state, int weightPercent, boolean shadow, String reason) {
        this.modelName = modelName;
        this.version = Objects.requireNonNull(version, "version");
        this.state = Objects.requireNonNull(state, "state");
        this.weightPercent = weightPercent;
        this.shadow = shadow;
        this.reason = reason;
    }

    public String modelName() {
        return modelName;
    }

    public String version() {
        return version;
    }

    public State state() {
        return state;
    }

    /** @return the share of traffic in percent (rounded), 0 if it serves none. */
    public int weightPercent() {
        return weightPercent;
    }

    public boolean shadow() {
        return shadow;
    }

    /** @return why it was rejected; null otherwise. */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        switch (state) {
            case REJECTED: return "version " + version + " rejected: " + reason;
            case RETIRED: return "version " + version + " retired";
            default:
                return "version " + version + " loaded" + (shadow ? ", shadow" : weightPercent > 0
                        ? ", serving " + weightPercent + "%" : ", standing by");
        }
    }
}
