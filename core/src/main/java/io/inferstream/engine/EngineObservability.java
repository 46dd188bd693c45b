package io.inferstream.engine;

import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.VersionStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The engine's meters and endpoint. The engine always keeps a Prometheus registry of its own: it is what
 * {@code /metrics} serves and what {@link EngineMetrics}' getters read (cumulative, with percentile histograms). A
 * registry passed in by a library user gets every engine meter as well (through a composite), plus the Kafka
 * client meters; JVM and process meters are bound only to the engine's own registry, since an application that
 * passes its registry normally binds those itself. Closing removes the engine's meters from the caller's registry.
 *
 * <p>Thread safety: thread-safe after construction; {@link #close()} once.
 */
final class EngineObservability implements AutoCloseable {
    static final String SWAPS = "inferstream.model.swaps";
    static final String REJECTIONS = "inferstream.model.rejections";
    static final String VERSIONS_REJECTED = "inferstream.model.versions.rejected";
    static final String VERSION_WEIGHT = "inferstream.model.version.weight";
    static final String PROCESS_MEMORY_RSS = "inferstream.process.memory.rss";

    private final PrometheusMeterRegistry own = EngineMetrics.ownRegistry();
    private final MeterRegistry callers; // null: none given
    private final MeterRegistry meters;
    private final EngineMetrics metrics;
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Map<String, AtomicInteger> weights = new ConcurrentHashMap<>();
    private volatile MetricsServer server;
    private boolean closed;

    EngineObservability(MeterRegistry callers) {
        this.callers = callers;
        if (callers == null) {
            meters = own;
        } else {
            CompositeMeterRegistry both = new CompositeMeterRegistry();
            both.add(own);
            both.add(callers);
            meters = both;
        }
        metrics = new EngineMetrics(meters, own);
        new JvmMemoryMetrics().bindTo(own);
        gc.bindTo(own);
        new JvmThreadMetrics().bindTo(own);
        new ClassLoaderMetrics().bindTo(own);
        new ProcessorMetrics().bindTo(own);
        new FileDescriptorMetrics().bindTo(own);
        new UptimeMetrics().bindTo(own);
        // Micrometer has no binder for the process's resident memory (heap + off-heap + native model runtimes):
        // Linux reports it in /proc, and native runtimes are where a model's memory mostly lives.
        if (Files.isReadable(Path.of("/proc/self/statm"))) {
            Gauge.builder(PROCESS_MEMORY_RSS, EngineObservability::residentBytes).baseUnit("bytes")
                    .description("Resident memory of the process, native model runtimes included").register(own);
        }
    }

    private static double residentBytes() {
        try {
            String[] fields = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Double.parseDouble(fields[1]) * 4096; // pages; 4 KiB on the x86-64 and arm64 Linux we run on
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    EngineMetrics metrics() {
        return metrics;
    }

    /** Counts swaps and rejections, and keeps a gauge of each loaded version's share of the traffic. */
    void watch(DeploymentManager deployments) {
        FunctionCounter.builder(SWAPS, deployments, DeploymentManager::swaps)
                .description("Deployment changes (new version or routing) applied without a restart").register(meters);
        FunctionCounter.builder(REJECTIONS, deployments, DeploymentManager::rejections)
                .description("Versions and routings rejected (the serving versions kept serving)").register(meters);
        deployments.addListener(this::onStatus);
    }

    private void onStatus(VersionStatus status) {
        String model = status.modelName() == null ? "" : status.modelName();
        String key = model + '\u0000' + status.version();
        switch (status.state()) {
            case REJECTED:
                Counter.builder(VERSIONS_REJECTED).tags("model", model, "version", status.version())
                        .description("Model versions rejected (did not load, check or warm up)").register(meters)
                        .increment();
                break;
            case LOADED:
                weights.computeIfAbsent(key, k -> {
                    AtomicInteger weight = new AtomicInteger();
                    Gauge.builder(VERSION_WEIGHT, weight, AtomicInteger::get).tags("model", model, "version",
                            status.version())
                            .description("Percent of the traffic a loaded version serves (0: shadow or standing by)")
                            .register(meters);
                    return weight;
                }).set(status.weightPercent());
                break;
            case RETIRED:
                if (weights.remove(key) != null) {
                    List.copyOf(meters.find(VERSION_WEIGHT).tags("model", model, "version", status.version()).gauges())
                            .forEach(meters::remove);
                }
                break;
            default:
                break;
        }
    }

    /** @return where the engine's meters are registered (the caller's registry too, if one was given). */
    MeterRegistry meters() {
        return meters;
    }

    /**
     * Starts the HTTP endpoint.
     *
     * @param security TLS and tokens (metrics.tls.*, metrics.tokens.file)
     * @param monitor the engine's current model monitors, for the status page
     */
    void serve(String host, int port, io.inferstream.http.HttpSecurity security, Supplier<Optional<String>> notReady,
            Supplier<io.inferstream.monitor.ModelMonitor> monitor) {
        server = new MetricsServer(host, port, own, notReady, new StatusReport(metrics, own, monitor)::json,
                MetricsServer.LIMITS, security);
    }

    /** @return the endpoint's port, if it is running. */
    Optional<Integer> port() {
        MetricsServer s = server;
        return s == null ? Optional.empty() : Optional.of(s.port());
    }

    /** Stops the endpoint and unbinds the meters; the engine's own registry stays readable for its getters. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (server != null) {
            server.close();
        }
        gc.close();
        metrics.close();
        if (callers != null) {
            // The caller's registry outlives the engine: leave none of this engine's meters behind in it.
            for (Meter m : List.copyOf(meters.getMeters())) {
                callers.remove(m.getId());
            }
        }
    }
}
