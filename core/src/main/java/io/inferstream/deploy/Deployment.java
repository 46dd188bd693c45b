package io.inferstream.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An immutable snapshot of what serves one model: the loaded versions, the routing between them, and the shadow
 * versions. Workers take the current snapshot once at the start of a batch ({@link DeploymentManager#acquire()})
 * and use only it for that batch, so every batch is scored against one consistent deployment whatever swaps happen
 * meanwhile; they {@link #release()} it when the batch has been scored.
 *
 * <p>Routing: each serving version owns a range of 10,000 buckets proportional to its weight, in version order. A
 * sticky routing puts a record in the bucket of a hash of its key, so the same key keeps going to the same version
 * while the weights stay the same, on every engine instance; records without a key, and all records of a
 * non-sticky routing, get a random bucket.
 *
 * <p>Thread safety: immutable and thread-safe; reference counting is atomic.
 */
public final class Deployment {
    static final int BUCKETS = 10_000;

    private final long generation;
    private final RoutingSpec routing;
    private final List<DeployedVersion> serving;
    private final int[] bucketEnds;
    private final List<DeployedVersion> shadows;
    private final AtomicInteger references = new AtomicInteger(1);

    /**
     * Takes a reference on every version it holds.
     *
     * @param versions loaded versions by number, holding every version the routing names
     */
    Deployment(long generation, RoutingSpec routing, Map<String, DeployedVersion> versions) {
        this.generation = generation;
        this.routing = routing;
        List<DeployedVersion> s = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        routing.weights().entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.comparingByKey(DeploymentSpec.VERSION_ORDER))
                .forEach(e -> {
                    s.add(versions.get(e.getKey()));
                    weights.add(e.getValue());
                });
        this.serving = List.copyOf(s);
        this.bucketEnds = bucketEnds(weights);
        List<DeployedVersion> sh = new ArrayList<>();
        routing.shadows().forEach(v -> sh.add(versions.get(v)));
        this.shadows = List.copyOf(sh);
        serving.forEach(DeployedVersion::retain);
        shadows.forEach(DeployedVersion::retain);
    }

    private static int[] bucketEnds(List<Integer> weights) {
        long total = weights.stream().mapToLong(Integer::longValue).sum();
        int[] ends = new int[weights.size()];
        long cumulative = 0;
        for (int i = 0; i < ends.length; i++) {
            cumulative += weights.get(i);
            ends[i] = (int) (cumulative * BUCKETS / total);
        }
        ends[ends.length - 1] = BUCKETS;
        return ends;
    }

    /** @return increases with every published snapshot of one manager. */
    public long generation() {
        return generation;
    }

    /** @return the routing this snapshot applies. */
    public RoutingSpec routing() {
        return routing;
    }

    /** @return the versions taking traffic, oldest first. */
    public List<DeployedVersion> serving() {
        return serving;
    }

    /** @return the versions scoring a copy of the traffic. */
    public List<DeployedVersion> shadows() {
        return shadows;
    }

    /** @return the version that scores a record with this key (null allowed). */
    public DeployedVersion route(byte[] key) {
        if (serving.size() == 1) {
            return serving.get(0);
        }
        int bucket = routing.sticky() && key != null ? bucketOf(key) : ThreadLocalRandom.current().nextInt(BUCKETS);
        for (int i = 0; i < bucketEnds.length; i++) {
            if (bucket < bucketEnds[i]) {
                return serving.get(i);
            }
        }
        return serving.get(serving.size() - 1);
    }

    /**
     * A stable bucket for a key: 64-bit FNV-1a with a final avalanche, the same on every JVM and instance, so two
     * engines in one group route a key alike.
     */
    static int bucketOf(byte[] key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int) Math.floorMod(h, (long) BUCKETS);
    }

    /** @return false if the snapshot was already retired; otherwise it is held until {@link #release()}. */
    boolean tryAcquire() {
        while (true) {
            int n = references.get();
            if (n <= 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Ends a use of this snapshot; the last release lets go of its versions. */
    public void release() {
        if (references.decrementAndGet() == 0) {
            serving.forEach(DeployedVersion::release);
            shadows.forEach(DeployedVersion::release);
        }
    }

    /** @return what serves, for people: {@code fraud:2}, or {@code fraud:1, fraud:2 (weights 1=90,2=10)} when routed. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (DeployedVersion v : serving) {
            b.append(b.length() == 0 ? "" : ", ").append(v.info().name()).append(':').append(v.info().version());
        }
        return serving.size() > 1 || !shadows.isEmpty() ? b + " (" + routing + ")" : b.toString();
    }

    @Override
    public String toString() {
        return "deployment #" + generation + " " + describe();
    }
}
