package io.inferstream.deploy;

import io.inferstream.model.ModelLoadException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the current {@link Deployment} of one model and moves it to what its {@link DeploymentSource} describes.
 *
 * <p>Each change of the source is reconciled on the manager's own loading thread, never on a worker's: versions the
 * new routing needs are loaded, checked and warmed ({@link VersionLoader}); if they all succeed, the next snapshot
 * is published with one atomic write and versions no longer routed are let go (closed once their last batch ends).
 * If a version is rejected, the routing that needs it is not applied and the current snapshot keeps serving; without
 * an explicit routing, the newest version that loads serves. Each swap, routing change and rejection is logged once,
 * with the reason, and reported to the source.
 *
 * <p>Thread safety: thread-safe. {@link #acquire()} is called by workers at the start of every batch and costs one
 * volatile read and one compare-and-set.
 */
public final class DeploymentManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeploymentManager.class);
    private static final long LOADER_STACK_BYTES = 16L << 20;

    private final DeploymentSource source;
    private final VersionLoader loader;
    private final DeploymentSettings settings;
    private final TrafficSample traffic;
    private final AtomicReference<Deployment> current = new AtomicReference<>();
    private final AtomicReference<DeploymentSpec> pending = new AtomicReference<>();
    private final ExecutorService loaderThread;
    private final Map<String, DeployedVersion> loaded = new LinkedHashMap<>();
    private final Map<String, Rejection> rejected = new HashMap<>();
    private final Set<String> warnedRepublished = new LinkedHashSet<>();
    private final AtomicLong swaps = new AtomicLong();
    private final AtomicLong rejections = new AtomicLong();
    private final List<Consumer<VersionStatus>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private long generation;
    private RoutingSpec rejectedRouting;
    private volatile boolean closed;

    private static final class Rejection {
        final String fingerprint;
        final String reason;
        final Throwable cause;

        Rejection(String fingerprint, String reason, Throwable cause) {
            this.fingerprint = fingerprint;
            this.reason = reason;
            this.cause = cause;
        }
    }

    /**
     * @param source where versions and routing come from; closed by {@link #close()}
     * @param settings how to load and check versions
     * @param traffic recent records the workers scored, for compatibility checks and warm-up
     */
    public DeploymentManager(DeploymentSource source, DeploymentSettings settings, TrafficSample traffic) {
        this.source = source;
        this.settings = settings;
        this.traffic = traffic;
        this.loader = new VersionLoader(settings, traffic);
        this.loaderThread = Executors.newSingleThreadExecutor(r -> {
            // A large stack: native runtimes can need more than the default while loading.
            Thread t = new Thread(null, r, "inferstream-model-loader", LOADER_STACK_BYTES);
            t.setDaemon(true);
            return t;
        });
    }

    /** Calls the listener with every status change (loaded, rejected, retired), on the loading thread. */
    public void addListener(Consumer<VersionStatus> listener) {
        listeners.add(listener);
    }

    /**
     * Reads the source's current state, loads the first deployment, and starts following the source.
     *
     * @throws ModelLoadException if nothing can be served, with every version's reason
     */
    public void start(Duration timeout) throws ModelLoadException {
        DeploymentSpec initial = source.initial(timeout);
        Future<Optional<String>> first = loaderThread.submit(() -> reconcile(initial));
        Optional<String> problem;
        try {
            problem = first.get();
        } catch (ExecutionException e) {
            throw new ModelLoadException("loading " + source.describe() + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelLoadException("interrupted while loading " + source.describe());
        }
        if (current.get() == null) {
            if (initial.versions().size() == 1) {
                // One model that does not load: its loader's own message says it best (as before deployments).
                Rejection only = rejected.get(initial.versions().keySet().iterator().next());
                if (only != null && only.cause instanceof ModelLoadException) {
                    throw (ModelLoadException) only.cause;
                }
            }
            throw new ModelLoadException("nothing to serve from " + source.describe() + ": "
                    + problem.orElse("no version"));
        }
        source.start(this::submit);
    }

    /** Queues a new state; only the latest queued state is reconciled, so a burst of changes costs one swap. */
    void submit(DeploymentSpec spec) {
        if (pending.getAndSet(spec) == null && !closed) {
            loaderThread.execute(() -> {
                DeploymentSpec next = pending.getAndSet(null);
                if (next != null && !closed) {
                    reconcile(next);
                }
            });
        }
    }

    /** @return the current snapshot, held until the caller releases it; use it for one batch. */
    public Deployment acquire() {
        while (true) {
            Deployment d = current.get();
            if (d == null) {
                throw new IllegalStateException("no deployment: start() has not succeeded or close() was called");
            }
            if (d.tryAcquire()) {
                return d;
            }
        }
    }

    /** @return the current snapshot without holding it: for display only. */
    public Optional<Deployment> peek() {
        return Optional.ofNullable(current.get());
    }

    /** @return the number of snapshots published after the first. */
    public long swaps() {
        return swaps.get();
    }

    /** @return the number of versions and routings rejected. */
    public long rejections() {
        return rejections.get();
    }

    /** @return the traffic sample workers feed. */
    public TrafficSample traffic() {
        return traffic;
    }

    /** @return the source's description, for logs. */
    public String describeSource() {
        return source.describe();
    }

    /**
     * Moves to the given state if every version it needs loads. Runs on the loading thread only.
     *
     * @return why the state could not be applied, if it could not
     */
    private Optional<String> reconcile(DeploymentSpec spec) {
        String name = spec.modelName().orElse(null);
        RoutingSpec routing;
        if (spec.routing().isPresent()) {
            routing = withoutDisabledShadows(spec.routing().get());
            for (String version : routing.versions()) {
                VersionSpec v = spec.versions().get(version);
                String problem = v == null ? "version " + version + " is not published"
                        : ensureLoaded(name, v).orElse(null);
                if (problem != null) {
                    return rejectRouting(name, routing, problem);
                }
            }
        } else {
            routing = null;
            List<String> newestFirst = new ArrayList<>(spec.versions().keySet());
            java.util.Collections.reverse(newestFirst);
            List<String> problems = new ArrayList<>();
            for (String version : newestFirst) {
                Optional<String> problem = ensureLoaded(name, spec.versions().get(version));
                if (problem.isEmpty()) {
                    routing = RoutingSpec.single(version);
                    break;
                }
                problems.add("version " + version + ": " + problem.get());
            }
            if (routing == null) {
                return Optional.of(problems.isEmpty() ? "no version is published" : String.join("; ", problems));
            }
        }
        publish(name, routing);
        return Optional.empty();
    }

    private RoutingSpec withoutDisabledShadows(RoutingSpec routing) {
        if (settings.shadowsEnabled() || routing.shadows().isEmpty()) {
            return routing;
        }
        LOG.warn("Shadow version(s) {} not scored: shadow.topic is not set", routing.shadows());
        return new RoutingSpec(routing.weights(), Set.of(), routing.sticky());
    }

    private Optional<String> rejectRouting(String name, RoutingSpec routing, String problem) {
        if (!routing.equals(rejectedRouting)) {
            rejectedRouting = routing;
            rejections.incrementAndGet();
            Deployment serving = current.get();
            LOG.error("Routing {} of {} not applied: {}; {}", routing, label(name), problem,
                    serving == null ? "nothing serves yet" : "still serving " + serving.routing());
        }
        Deployment serving = current.get();
        if (serving != null) {
            // Versions loaded for the routing that was not applied would otherwise hold memory until the next swap.
            retireUnrouted(name, serving.routing());
        }
        return Optional.of("routing " + routing + " not applied: " + problem);
    }

    /** @return empty if the version is loaded (now or before), else why it is rejected. */
    private Optional<String> ensureLoaded(String name, VersionSpec spec) {
        DeployedVersion have = loaded.get(spec.version());
        if (have != null) {
            if (!have.fingerprint().equals(spec.fingerprint()) && warnedRepublished.add(spec.version() + spec.fingerprint())) {
                LOG.warn("{} version {} was published again with other content; versions are immutable, so the loaded "
                        + "one stays: publish a new version number instead", label(name), spec.version());
            }
            return Optional.empty();
        }
        Rejection before = rejected.get(spec.version());
        if (before != null && before.fingerprint.equals(spec.fingerprint())) {
            return Optional.of(before.reason);
        }
        long started = System.nanoTime();
        try {
            Deployment serving = current.get();
            DeployedVersion version = loader.load(name, spec,
                    serving == null ? null : serving.serving().get(0).info());
            loaded.put(spec.version(), version);
            rejected.remove(spec.version());
            LOG.info("Loaded {} version {} from {} in {} ms: {}", label(name), spec.version(), spec.origin(),
                    (System.nanoTime() - started) / 1_000_000, version.info());
            return Optional.empty();
        } catch (VersionRejectedException e) {
            rejected.put(spec.version(), new Rejection(spec.fingerprint(), e.getMessage(), e.getCause()));
            LOG.error("Rejected {} version {} from {}: {}", label(name), spec.version(), spec.origin(), e.getMessage());
            notify(new VersionStatus(name, spec.version(), VersionStatus.State.REJECTED, 0, false, e.getMessage()));
            rejections.incrementAndGet(); // last: whoever sees the count also sees the report
            return Optional.of(e.getMessage());
        }
    }

    private void publish(String name, RoutingSpec routing) {
        Deployment before = current.get();
        if (before != null && before.routing().equals(routing)) {
            return;
        }
        rejectedRouting = null;
        Deployment next = new Deployment(++generation, routing, loaded);
        current.set(next);
        if (before != null) {
            before.release();
            swaps.incrementAndGet();
            LOG.info("Deployment of {} changed: {} -> {}", label(name), before.routing(), routing);
        } else {
            LOG.info("Deployment of {}: {}", label(name), routing);
        }
        int total = routing.weights().values().stream().mapToInt(Integer::intValue).sum();
        for (String version : routing.versions()) {
            int percent = (int) Math.round(100.0 * routing.weights().getOrDefault(version, 0) / total);
            notify(new VersionStatus(name, version, VersionStatus.State.LOADED, percent,
                    routing.shadows().contains(version), null));
        }
        retireUnrouted(name, routing);
    }

    /** Lets go of versions the routing no longer names; each closes after the last batch that used it. */
    private void retireUnrouted(String name, RoutingSpec routing) {
        for (var it = loaded.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, DeployedVersion> e = it.next();
            if (!routing.versions().contains(e.getKey())) {
                it.remove();
                e.getValue().release();
                notify(new VersionStatus(name, e.getKey(), VersionStatus.State.RETIRED, 0, false, null));
            }
        }
    }

    private void notify(VersionStatus status) {
        try {
            source.report(status);
        } catch (RuntimeException e) {
            LOG.warn("Could not report {}: {}", status, e.toString());
        }
        for (Consumer<VersionStatus> l : listeners) {
            l.accept(status);
        }
    }

    private static String label(String name) {
        return name == null ? "model" : "model " + name;
    }

    /** Stops following the source, waits for a load in progress, and lets go of every version. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        source.close();
        Future<?> done = loaderThread.submit(() -> {
            Deployment d = current.getAndSet(null);
            if (d != null) {
                d.release();
            }
            loaded.values().forEach(DeployedVersion::release);
            loaded.clear();
        });
        loaderThread.shutdown();
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Closing the deployment of {}: {}", source.describe(), e.toString());
        }
    }
}
