package io.inferstream.deploy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How traffic is split between the versions of one model: integer weights per version (a share of the records),
 * shadow versions that score a copy of the traffic without affecting the outputs, and whether the split is sticky
 * by record key (the same key keeps going to the same version while the weights stay the same).
 *
 * <p>Weights are relative: {@code 1=90,2=10} and {@code 1=9,2=1} route alike. A version with weight 0 takes no
 * traffic. A rollback is simply a routing back, e.g. {@code 1=100}.
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class RoutingSpec {
    private final Map<String, Integer> weights;
    private final Set<String> shadows;
    private final boolean sticky;

    /**
     * @param weights version to weight, each at least 0, at least one above 0
     * @param shadows versions that score a copy of all traffic; may overlap neither weights with a positive weight
     * @param sticky true to split by a hash of the record key
     * @throws IllegalArgumentException with a message a user can act on
     */
    public RoutingSpec(Map<String, Integer> weights, Set<String> shadows, boolean sticky) {
        Map<String, Integer> w = new LinkedHashMap<>();
        int total = 0;
        for (Map.Entry<String, Integer> e : weights.entrySet()) {
            String version = requireVersion(e.getKey());
            int weight = Objects.requireNonNull(e.getValue(), "weight");
            if (weight < 0) {
                throw new IllegalArgumentException("weight of version " + version + " is " + weight + "; weights are 0 or more");
            }
            w.put(version, weight);
            total += weight;
        }
        if (total <= 0) {
            throw new IllegalArgumentException("routing needs at least one version with a weight above 0, got " + weights);
        }
        Set<String> s = new LinkedHashSet<>();
        for (String version : shadows) {
            requireVersion(version);
            if (w.getOrDefault(version, 0) > 0) {
                throw new IllegalArgumentException("version " + version + " cannot both serve (weight " + w.get(version)
                        + ") and be a shadow");
            }
            s.add(version);
        }
        this.weights = Collections.unmodifiableMap(w);
        this.shadows = Collections.unmodifiableSet(s);
        this.sticky = sticky;
    }

    /** @return all traffic to one version, sticky, no shadow: what a source without explicit routing means. */
    public static RoutingSpec single(String version) {
        return new RoutingSpec(Map.of(version, 100), Set.of(), true);
    }

    /**
     * Parses the command line's and configuration's form.
     *
     * @param weights {@code VERSION=WEIGHT[,VERSION=WEIGHT...]}, e.g. {@code 1=90,2=10}
     * @param shadows {@code VERSION[,VERSION...]} or empty
     */
    public static RoutingSpec parse(String weights, String shadows, boolean sticky) {
        Map<String, Integer> w = new LinkedHashMap<>();
        for (String part : weights.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("weights are VERSION=WEIGHT pairs like 1=90,2=10, not '" + p + "'");
            }
            String version = p.substring(0, eq).trim();
            try {
                if (w.put(version, Integer.parseInt(p.substring(eq + 1).trim())) != null) {
                    throw new IllegalArgumentException("version " + version + " is given twice in '" + weights + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("weight of version " + version + " must be a whole number, not '"
                        + p.substring(eq + 1).trim() + "'");
            }
        }
        Set<String> s = new LinkedHashSet<>();
        if (shadows != null) {
            for (String part : shadows.split(",")) {
                if (!part.isBlank()) {
                    s.add(part.trim());
                }
            }
        }
        return new RoutingSpec(w, s, sticky);
    }

    /**
     * Versions are positive whole numbers, as in TF Serving's {@code <base>/<version>/} layout.
     *
     * @return the version without leading zeros
     * @throws IllegalArgumentException for anything else
     */
    public static String requireVersion(String version) {
        if (version == null || !version.matches("[0-9]{1,18}") || Long.parseLong(version) <= 0) {
            throw new IllegalArgumentException("a model version is a whole number above 0, not '" + version + "'");
        }
        return Long.toString(Long.parseLong(version));
    }

    /** @return version to weight, in the order given. */
    public Map<String, Integer> weights() {
        return weights;
    }

    /** @return the versions with a weight above 0. */
    public Set<String> servingVersions() {
        Set<String> out = new LinkedHashSet<>();
        weights.forEach((v, w) -> {
            if (w > 0) {
                out.add(v);
            }
        });
        return out;
    }

    /** @return versions that score a copy of the traffic, written only to the shadow topic. */
    public Set<String> shadows() {
        return shadows;
    }

    /** @return every version this routing needs loaded. */
    public Set<String> versions() {
        Set<String> out = servingVersions();
        out.addAll(shadows);
        return out;
    }

    /** @return true if a record's version is chosen by a hash of its key. */
    public boolean sticky() {
        return sticky;
    }

    /** @return the weights as {@code 1=90,2=10}. */
    public String weightsText() {
        StringBuilder b = new StringBuilder();
        weights.forEach((v, w) -> b.append(b.length() == 0 ? "" : ",").append(v).append('=').append(w));
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof RoutingSpec)) {
            return false;
        }
        RoutingSpec r = (RoutingSpec) o;
        return weights.equals(r.weights) && shadows.equals(r.shadows) && sticky == r.sticky;
    }

    @Override
    public int hashCode() {
        return Objects.hash(weights, shadows, sticky);
    }

    @Override
    public String toString() {
        return "weights " + weightsText() + (shadows.isEmpty() ? "" : ", shadow " + String.join(",", shadows))
                + (sticky ? "" : ", not sticky");
    }
}
