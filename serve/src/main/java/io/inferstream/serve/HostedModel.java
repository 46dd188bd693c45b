package io.inferstream.serve;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.deploy.DeployedVersion;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.TrafficSample;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One model as the server hosts it: a {@link DeploymentManager} (so a versioned folder hot-swaps while serving, as in
 * the engine) in front of which a {@link DynamicBatcher} merges concurrent requests. Versions are the models' own
 * ({@link ModelInfo#version()}); a request without a version goes to the version the deployment routes to, one naming
 * version {@value #LATEST} to the newest version serving.
 *
 * <p>Thread safety: thread-safe.
 */
final class HostedModel implements AutoCloseable {
    /** The version a request may name for the newest version serving (unless a version has that very name). */
    static final String LATEST = "latest";

    private final String configuredName;
    private final DeploymentManager manager;
    private final int maxBatchSize;
    private final Duration maxQueueDelay;
    private volatile String name;
    private volatile DynamicBatcher batcher;
    private volatile boolean closed;

    /**
     * @param name the name to serve under, or null for the deployment's own
     * @param source where the model's versions come from; closed with this
     */
    HostedModel(String name, DeploymentSource source, int maxBatchSize, Duration maxQueueDelay) {
        this.configuredName = name;
        this.maxBatchSize = maxBatchSize;
        this.maxQueueDelay = maxQueueDelay;
        // One slot: only the batcher's thread calls the model. No warm-up records and no shadows: serve has no
        // traffic sample to warm up with and nowhere to write shadow predictions.
        this.manager = new DeploymentManager(source, new DeploymentSettings(1,
                info -> new JsonRecordDecoder(info, Map.of(), false), List.of(), "", 0, List.of(), false),
                new TrafficSample(1));
    }

    /** Loads the model and starts batching. */
    void start(Duration timeout) throws ModelLoadException {
        manager.start(timeout);
        Deployment d = manager.peek().orElseThrow();
        name = configuredName != null ? configuredName : d.serving().get(0).info().name();
        batcher = new DynamicBatcher(name, this::lease, maxBatchSize, maxQueueDelay);
    }

    String name() {
        return name;
    }

    /** @return true while a deployment serves and the server is not closing. */
    boolean ready() {
        return !closed && manager.peek().isPresent();
    }

    /** @return the versions that take traffic, oldest first. */
    List<String> versions() {
        List<String> out = new ArrayList<>();
        manager.peek().ifPresent(d -> d.serving().forEach(v -> out.add(v.info().version())));
        return out;
    }

    /**
     * @param version a version, or null for the one a request without a version goes to
     * @return its signature, under the served name
     * @throws ServeError NOT_FOUND for a version not served, UNAVAILABLE when nothing serves
     */
    ModelInfo info(String version) {
        Deployment d = manager.peek().orElseThrow(this::unavailable);
        return named(pick(d, version).info());
    }

    private ModelInfo named(ModelInfo info) {
        return info.name().equals(name) ? info : info.toBuilder().name(name).build();
    }

    /** Queues a request for the batcher. */
    CompletableFuture<DynamicBatcher.Scored> infer(String version, List<Features> rows) {
        if (!ready()) {
            return CompletableFuture.failedFuture(unavailable());
        }
        return batcher.submit(version, rows);
    }

    BatchStats stats() {
        DynamicBatcher b = batcher;
        return b == null ? new BatchStats(0, 0, 0, 0, 0) : b.stats();
    }

    /** The version a merged batch is scored on, on one deployment snapshot that the lease's close releases. */
    private DynamicBatcher.Lease lease(String version) {
        Deployment d;
        try {
            d = manager.acquire();
        } catch (IllegalStateException e) {
            throw unavailable();
        }
        DeployedVersion v;
        try {
            v = pick(d, version);
        } catch (RuntimeException e) {
            d.release();
            throw e;
        }
        return new DynamicBatcher.Lease() {
            @Override
            public String version() {
                return v.info().version();
            }

            @Override
            public List<Prediction> predict(List<Features> rows) throws InferenceException {
                return v.model(0).predict(rows);
            }

            @Override
            public void close() {
                d.release();
            }
        };
    }

    private DeployedVersion pick(Deployment d, String version) {
        if (version == null) {
            return d.route(null);
        }
        Optional<DeployedVersion> match = d.serving().stream().filter(v -> v.info().version().equals(version))
                .findFirst();
        if (match.isEmpty() && version.equals(LATEST)) {
            // Flink's Triton provider asks for versions/latest unless told a version: the newest version serving.
            return d.serving().get(d.serving().size() - 1);
        }
        return match.orElseThrow(() -> new ServeError(ServeError.Kind.NOT_FOUND, "model '" + name + "' has no version '"
                + version + "'; it serves " + versions()));
    }

    private ServeError unavailable() {
        return new ServeError(ServeError.Kind.UNAVAILABLE, "model '" + name + "' is not ready");
    }

    /** Stops batching (waiting requests fail as unavailable) and lets go of the model. Idempotent. */
    @Override
    public void close() {
        closed = true;
        DynamicBatcher b = batcher;
        if (b != null) {
            b.close();
        }
        manager.close();
    }
}
