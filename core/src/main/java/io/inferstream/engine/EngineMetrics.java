package io.inferstream.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.search.Search;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Live metrics of an engine, kept in Micrometer meters (names under {@code inferstream.}, tagged {@code model} and
 * {@code version} where they concern a prediction): records consumed, predictions and dead letters written
 * (acknowledged by Kafka), model calls, batch sizes, committed batches, the latency from a record's timestamp to the
 * acknowledgement of its prediction (end to end, including any time the record waited in the topic), and the
 * latency from the poll that returned it (the engine's own share).
 *
 * <p>Meters are registered on {@code meters} (the caller's registry, or one of the engine's own); the getters read
 * the engine's own cumulative registry {@code own}, so they never depend on how the caller's registry steps or
 * forgets.
 *
 * <p>Every consumed record ends as exactly one prediction or one dead letter, so once the engine has committed,
 * {@code recordsIn == predictionsOut + deadLetters} for what it has committed.
 *
 * <p>Thread safety: thread-safe; meters are updated by workers and producer callbacks and may be read at any time.
 */
public final class EngineMetrics {
    static final String RECORDS_IN = "inferstream.records.in";
    static final String PREDICTIONS = "inferstream.predictions";
    static final String DEAD_LETTERS = "inferstream.dead.letters";
    static final String SHADOW_PREDICTIONS = "inferstream.shadow.predictions";
    static final String SHADOW_FAILURES = "inferstream.shadow.failures";
    static final String MODEL_CALLS = "inferstream.model.calls";
    static final String MODEL_CALL_LATENCY = "inferstream.model.call.latency";
    static final String BATCH_SIZE = "inferstream.batch.size";
    static final String COMMITS = "inferstream.commits";
    static final String LATENCY = "inferstream.latency.end.to.end";
    static final String PROCESSING_LATENCY = "inferstream.latency.processing";
    static final String ASSIGNED_PARTITIONS = "inferstream.partitions.assigned";
    static final String MODEL_RETRIES = "inferstream.model.retries";

    /**
     * Percentile getters read the engine's own histograms; they are cumulative (never expire), as the figures a
     * run prints at its end must cover the whole run.
     */
    private static final Duration NEVER = Duration.ofDays(3650);

    private final MeterRegistry meters;
    private final MeterRegistry own;
    private final Counter recordsIn;
    private final Counter modelCalls;
    private final Counter commits;
    private final DistributionSummary batchSizes;
    private final AtomicInteger assignedPartitions = new AtomicInteger();
    private final Map<String, Map<String, VersionMeters>> byVersion = new ConcurrentHashMap<>(); // model -> version
    private final Map<String, Counter> deadLettersByKey = new ConcurrentHashMap<>();
    private final Map<String, Counter> shadowFailuresByModel = new ConcurrentHashMap<>();
    private final Map<String, Counter> retriesByModel = new ConcurrentHashMap<>();
    private final LatencyPercentiles latency;
    private final LatencyPercentiles processingLatency;
    private final long startNanos = System.nanoTime();
    private ScheduledExecutorService clientRefresh; // made on first use: unit tests never bind a client

    /**
     * How often a Kafka client's metrics are looked at for new ones: per-partition meters such as records-lag exist
     * only once partitions are assigned, and Micrometer's default (a minute) would leave them out that long.
     */
    private static final Duration CLIENT_METRICS_REFRESH = Duration.ofSeconds(5);

    /** Meters of one model version, looked up once rather than per record. */
    private static final class VersionMeters {
        final Counter predictions;
        final Counter shadowPredictions;
        final Timer latency;
        final Timer processingLatency;
        final Timer modelCalls;

        VersionMeters(MeterRegistry meters, Tags tags) {
            predictions = Counter.builder(PREDICTIONS).tags(tags)
                    .description("Predictions acknowledged by the output topic").register(meters);
            shadowPredictions = Counter.builder(SHADOW_PREDICTIONS).tags(tags)
                    .description("Shadow predictions acknowledged by the shadow topic").register(meters);
            latency = timer(LATENCY, "Record timestamp to acknowledged prediction (includes time waiting in the topic)",
                    tags, meters);
            processingLatency = timer(PROCESSING_LATENCY, "Poll to acknowledged prediction (the engine's own share)",
                    tags, meters);
            modelCalls = timer(MODEL_CALL_LATENCY, "Duration of one Model.predict call (a batch)", tags, meters);
        }

        private static Timer timer(String name, String description, Tags tags, MeterRegistry meters) {
            return Timer.builder(name).tags(tags).description(description).publishPercentileHistogram()
                    .distributionStatisticExpiry(NEVER).distributionStatisticBufferLength(1)
                    .maximumExpectedValue(Duration.ofMinutes(10)).register(meters);
        }
    }

    /** Metrics kept in a registry of their own (for tests and a standalone engine). */
    EngineMetrics() {
        this(ownRegistry());
    }

    private EngineMetrics(io.micrometer.prometheusmetrics.PrometheusMeterRegistry own) {
        this(own, own);
    }

    /** @return a cumulative registry that keeps percentile histograms, as the getters need. */
    static io.micrometer.prometheusmetrics.PrometheusMeterRegistry ownRegistry() {
        return new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    }

    /**
     * @param meters where the meters are registered
     * @param own the engine's own registry, a cumulative one that keeps percentile histograms (e.g. Prometheus),
     *     which {@code meters} registers into as well (the same registry, or a composite holding it)
     */
    EngineMetrics(MeterRegistry meters, MeterRegistry own) {
        this.meters = meters;
        this.own = own;
        recordsIn = Counter.builder(RECORDS_IN).description("Records consumed from the input topics")
                .register(meters);
        modelCalls = Counter.builder(MODEL_CALLS).description("Calls to Model.predict").register(meters);
        commits = Counter.builder(COMMITS).description("Offset commits (or transactions) made").register(meters);
        batchSizes = DistributionSummary.builder(BATCH_SIZE).description("Records per polled batch").publishPercentileHistogram()
                .distributionStatisticExpiry(NEVER).distributionStatisticBufferLength(1)
                .minimumExpectedValue(1.0).maximumExpectedValue(100_000.0).register(meters);
        Gauge.builder(ASSIGNED_PARTITIONS, assignedPartitions, AtomicInteger::get)
                .description("Input partitions assigned to this engine's workers").register(meters);
        latency = new LatencyPercentiles(own, LATENCY);
        processingLatency = new LatencyPercentiles(own, PROCESSING_LATENCY);
    }

    private VersionMeters version(String model, String version) {
        // Two lookups of strings whose hashes are cached: no key is built per record on the producer's thread.
        return byVersion.computeIfAbsent(model, k -> new ConcurrentHashMap<>()).computeIfAbsent(version,
                k -> new VersionMeters(meters, Tags.of("model", model, "version", version)));
    }

    void countRecordsIn(int records) {
        recordsIn.increment(records);
    }

    void countBatch(int records) {
        batchSizes.record(records);
    }

    void countModelCalls(int calls) {
        modelCalls.increment(calls);
    }

    void countCommit() {
        commits.increment();
    }

    /**
     * Counts one acknowledged prediction of a version.
     *
     * @param processingNanos since the poll that returned the record
     * @param endToEndMillis since the record's timestamp; negative when the record has none
     */
    void countPrediction(String model, String version, long processingNanos, long endToEndMillis) {
        VersionMeters m = version(model, version);
        m.predictions.increment();
        m.processingLatency.record(Math.max(processingNanos, 0), TimeUnit.NANOSECONDS);
        if (endToEndMillis >= 0) {
            m.latency.record(endToEndMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Counts one acknowledged dead letter of a stage, for the version the record was routed to. */
    void countDeadLetter(String model, String version, String stage) {
        deadLettersByKey.computeIfAbsent(model + '\u0000' + version + '\u0000' + stage,
                k -> Counter.builder(DEAD_LETTERS).tags("model", model, "version", version, "stage", stage)
                        .description("Records acknowledged by the dead-letter topic, by stage")
                        .register(meters)).increment();
    }

    void countShadowPrediction(String model, String version) {
        version(model, version).shadowPredictions.increment();
    }

    void countShadowFailures(String model, int failures) {
        if (failures > 0) {
            shadowFailuresByModel.computeIfAbsent(model, k -> Counter.builder(SHADOW_FAILURES).tags("model", model)
                    .description("Records a shadow version could not score").register(meters))
                    .increment(failures);
        }
    }

    /** Counts one failed attempt at a batch the model could not answer now (it will be tried again). */
    void countRetry(String model) {
        retriesByModel.computeIfAbsent(model, k -> Counter.builder(MODEL_RETRIES).tags("model", model)
                .description("Attempts at a batch that the model could not answer now (a RetriableInferenceException); "
                        + "the same batch is scored again after a backoff").register(meters)).increment();
    }

    /** @return the timer of a version's model calls. */
    Timer modelCallTimer(String model, String version) {
        return version(model, version).modelCalls;
    }

    /**
     * Binds a Kafka client's own metrics (records-lag per partition, fetch and request rates, ...) through
     * Micrometer's Kafka binder; close the binder before the client.
     */
    KafkaClientMetrics bindClient(java.util.function.Function<ScheduledExecutorService, KafkaClientMetrics> binder) {
        ScheduledExecutorService scheduler;
        synchronized (this) {
            if (clientRefresh == null) {
                clientRefresh = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "inferstream-kafka-metrics");
                    t.setDaemon(true);
                    return t;
                });
            }
            scheduler = clientRefresh;
        }
        KafkaClientMetrics bound = binder.apply(scheduler);
        bound.bindTo(meters);
        return bound;
    }

    /**
     * Registers a model's own meters (a {@link io.micrometer.core.instrument.binder.MeterBinder}, e.g. a remote
     * model's retries, requests and circuit breaker) on this engine's registry. Binding the same model again (one
     * call per worker) finds its meters already registered.
     */
    void bindModel(io.inferstream.model.Model model) {
        model.unwrap(io.micrometer.core.instrument.binder.MeterBinder.class).ifPresent(binder -> binder.bindTo(meters));
    }

    /** @return the refresh interval for {@link #bindClient}'s binders. */
    static Duration clientMetricsRefresh() {
        return CLIENT_METRICS_REFRESH;
    }

    /** Stops refreshing client metrics (the binders are closed by their workers). */
    synchronized void close() {
        if (clientRefresh != null) {
            clientRefresh.shutdownNow();
        }
    }

    AtomicInteger assignedPartitionsCounter() {
        return assignedPartitions;
    }

    private double sum(String name) {
        return Search.in(own).name(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** @return records consumed from the input topics. */
    public long recordsIn() {
        return (long) sum(RECORDS_IN);
    }

    /** @return predictions acknowledged by the output topic. */
    public long predictionsOut() {
        return (long) sum(PREDICTIONS);
    }

    /** @return records acknowledged by the dead-letter topic. */
    public long deadLetters() {
        return (long) sum(DEAD_LETTERS);
    }

    /** @return dead letters acknowledged per stage (decode, validate, predict, output). */
    public Map<String, Long> deadLettersByStage() {
        Map<String, Long> out = new TreeMap<>();
        Search.in(own).name(DEAD_LETTERS).counters()
                .forEach(c -> out.merge(c.getId().getTag("stage"), (long) c.count(), Long::sum));
        return out;
    }

    /** @return calls to {@code Model.predict}. */
    public long modelCalls() {
        return (long) sum(MODEL_CALLS);
    }

    /** @return polled batches processed. */
    public long batches() {
        return Search.in(own).name(BATCH_SIZE).summaries().stream().mapToLong(DistributionSummary::count).sum();
    }

    /** @return offset commits made. */
    public long commits() {
        return (long) sum(COMMITS);
    }

    /** @return acknowledged predictions per model version (the version the prediction carries). */
    public Map<String, Long> predictionsByVersion() {
        Map<String, Long> out = new TreeMap<>();
        Search.in(own).name(PREDICTIONS).counters().forEach(c -> {
            if (c.count() > 0) {
                out.merge(c.getId().getTag("version"), (long) c.count(), Long::sum);
            }
        });
        return out;
    }

    /** @return shadow predictions acknowledged by the shadow topic. */
    public long shadowPredictions() {
        return (long) sum(SHADOW_PREDICTIONS);
    }

    /** @return records a shadow version could not score (they never affect the outputs). */
    public long shadowFailures() {
        return (long) sum(SHADOW_FAILURES);
    }

    /** @return attempts at a batch that the model could not answer now, each followed by a wait and a retry. */
    public long modelRetries() {
        return (long) sum(MODEL_RETRIES);
    }

    /** @return input partitions currently assigned to this engine's workers (0 until the group has formed). */
    public int assignedPartitions() {
        return assignedPartitions.get();
    }

    /** @return record-timestamp-to-acknowledged-prediction latency, over every version. */
    public LatencyPercentiles latency() {
        return latency;
    }

    /**
     * @return poll-to-acknowledged-prediction latency: how long the engine itself holds a record (decode, batch,
     *     predict, write), without the time it waited in the topic
     */
    public LatencyPercentiles processingLatency() {
        return processingLatency;
    }

    /** @return seconds since the engine was created. */
    public double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    @Override
    public String toString() {
        // The engine's own time first; the end-to-end figure also counts how long records waited in the topic
        // (a backlog or a stopped engine), so it is labelled as such rather than passed off as the engine's latency.
        return String.format("in=%d predictions=%d deadLetters=%d modelCalls=%d batches=%d "
                + "engine p50=%.1fms p99=%.1fms (end-to-end from record timestamp p50=%.1fms p99=%.1fms)",
                recordsIn(), predictionsOut(), deadLetters(), modelCalls(), batches(),
                processingLatency.percentileMicros(50) / 1000.0, processingLatency.percentileMicros(99) / 1000.0,
                latency.percentileMicros(50) / 1000.0, latency.percentileMicros(99) / 1000.0);
    }
}
