package io.inferstream.engine;

import io.inferstream.codec.PredictionEncoder;
import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.deploy.TrafficSample;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelProvider;
import io.inferstream.monitor.DriftMonitor;
import io.inferstream.monitor.DriftReference;
import io.inferstream.monitor.LabelJoin;
import io.inferstream.monitor.ModelMonitor;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts a model on Kafka: {@code worker.threads} workers, each with its own consumer in one consumer group, read
 * the input topics, score every poll as a micro-batch, and write predictions (and dead letters for records that
 * cannot be scored), committing offsets only after every write of a batch is acknowledged.
 *
 * <pre>{@code
 * EngineConfig config = new EngineConfig(properties);
 * ModelRegistry registry = ModelRegistry.discover();
 * try (InferenceEngine engine = InferenceEngine.start(config,
 *         () -> registry.load(ModelSource.of(Path.of("model.onnx")), null, Map.of()))) {
 *     engine.awaitTermination(Duration.ofHours(1));
 * }
 * }</pre>
 *
 * <p>Models come from a {@link DeploymentSource}: a fixed model (a {@link ModelProvider}), a watched folder of
 * numbered versions, or a Kafka model topic ({@link ModelSources#fromConfig}). A {@link DeploymentManager} holds the
 * current deployment and swaps versions and routing without a restart; each batch is scored against the snapshot
 * current when it starts.
 *
 * <p>Scaling: more threads here, or more instances with the same {@code group.id}, up to the number of input
 * partitions; with {@code group.type=share} the workers form a share group instead ({@link ShareGroupWorker}), with
 * no partition limit and no ordering. A thread-safe model is loaded once and shared; otherwise each worker gets its
 * own instance.
 *
 * <p>Thread safety: thread-safe. {@link #close()} may be called from any thread (e.g. a shutdown hook); it stops
 * the workers after their in-flight batches, commits, and closes the Kafka clients and the models.
 */
public final class InferenceEngine implements AutoCloseable {
    /** The consumers' default fetch.min.bytes: see {@link #consumerConfig}. */
    static final int DEFAULT_FETCH_MIN_BYTES = 65_536;
    /** The consumers' default fetch.max.wait.ms, the most a fetch waits for fetch.min.bytes. */
    static final int DEFAULT_FETCH_MAX_WAIT_MS = 5;

    private final InferenceWorker.Host host = new InferenceWorker.Host() {
        @Override
        public boolean isStopping() {
            return stopping;
        }

        @Override
        public void fail(Throwable cause) {
            InferenceEngine.this.fail(cause);
        }
    };

    private static final Logger LOG = LoggerFactory.getLogger(InferenceEngine.class);

    private static final long WORKER_STACK_BYTES = 16L << 20;

    private final EngineConfig config;
    private volatile DeploymentManager deployments; // volatile: read by the metrics endpoint's thread
    private volatile ClusterWatch clusterWatch;
    private volatile ModelMonitor monitor = new ModelMonitor(null, null); // volatile: read by the status page
    private LabelReader labelReader;
    private final List<EngineWorker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final EngineObservability observability;
    private final EngineMetrics metrics;
    private final Object lock = new Object();
    private volatile EngineState state = EngineState.RUNNING;
    private volatile boolean stopping;
    private volatile Throwable failure;

    private InferenceEngine(EngineConfig config, MeterRegistry registry) {
        this.config = config;
        this.observability = new EngineObservability(registry);
        this.metrics = observability.metrics();
    }

    /**
     * Loads the model (once, or once per worker if it is not thread-safe), checks the topics exist, and starts
     * the workers.
     *
     * @throws ModelLoadException if the model cannot be loaded
     * @throws ConfigException if the configuration does not fit the model or the cluster (missing topic, codec
     *     that does not match the model's inputs), with a message naming the key
     */
    public static InferenceEngine start(EngineConfig config, ModelProvider provider) throws ModelLoadException {
        return start(config, new FixedModelSource("model", provider));
    }

    /**
     * As {@link #start(EngineConfig, ModelProvider)}, with the engine's meters also registered on the application's
     * registry (see {@link #start(EngineConfig, DeploymentSource, MeterRegistry)}).
     */
    public static InferenceEngine start(EngineConfig config, ModelProvider provider, MeterRegistry registry)
            throws ModelLoadException {
        return start(config, new FixedModelSource("model", provider), registry);
    }

    /**
     * Reads the source's current deployment, loads it (each version once, or once per worker if it is not
     * thread-safe), checks the topics exist, starts the workers, and follows the source from then on.
     *
     * @throws ModelLoadException if nothing can be served, with the reason for every version
     * @throws ConfigException if the configuration does not fit the cluster (missing topic), naming the key
     */
    public static InferenceEngine start(EngineConfig config, DeploymentSource source) throws ModelLoadException {
        return start(config, source, null);
    }

    /**
     * As {@link #start(EngineConfig, DeploymentSource)}, with the engine's meters (names under {@code inferstream.},
     * tagged with model name and version) and its Kafka clients' meters also registered on the application's
     * registry; they are removed from it when the engine closes. The engine keeps its own Prometheus registry too,
     * for {@code metrics.port} and {@link #metrics()}.
     *
     * @param registry the application's registry; null for none
     */
    public static InferenceEngine start(EngineConfig config, DeploymentSource source, MeterRegistry registry)
            throws ModelLoadException {
        InferenceEngine engine = new InferenceEngine(config, registry);
        try {
            engine.serveMetrics();
            engine.startWorkers(source);
            return engine;
        } catch (ModelLoadException | RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    /**
     * Starts an engine around one already loaded model, which the engine closes. The model must be thread-safe
     * unless {@code worker.threads} is 1; otherwise pass a {@link ModelProvider}.
     */
    public static InferenceEngine start(EngineConfig config, Model model) throws ModelLoadException {
        int threads = config.getInt(EngineConfig.WORKER_THREADS);
        if (threads > 1 && !model.info().threadSafe()) {
            model.close();
            throw new ConfigException(EngineConfig.WORKER_THREADS, threads, "model " + model.info().name()
                    + " is not thread-safe: pass a ModelProvider so each worker gets its own instance");
        }
        boolean[] given = {false};
        return start(config, () -> {
            if (given[0]) {
                throw new ModelLoadException("one model instance was given but more were needed");
            }
            given[0] = true;
            return model;
        });
    }

    private void startWorkers(DeploymentSource source) throws ModelLoadException {
        int workerCount = config.getInt(EngineConfig.WORKER_THREADS);
        String shadowTopic = config.getString(EngineConfig.SHADOW_TOPIC).isBlank() ? null
                : config.getString(EngineConfig.SHADOW_TOPIC);
        deployments = new DeploymentManager(source, deploymentSettings(workerCount, shadowTopic != null),
                new TrafficSample(16));
        observability.watch(deployments);
        deployments.start(Duration.ofMillis(config.getLong(EngineConfig.MODEL_LOAD_TIMEOUT_MS)));
        if (exactlyOnce() && config.getString(EngineConfig.INSTANCE_ID).isBlank()) {
            LOG.info("instance.id is not set: after a crash, read_committed readers wait up to the producer's "
                    + "transaction.timeout.ms for the crashed instance's open transaction; a stable instance.id per "
                    + "instance fences it at once");
        }
        TopicFacts topics = checkTopics(shadowTopic);
        monitor = new ModelMonitor(labelJoin(), driftMonitor());
        LOG.info("Serving {} with {} worker(s): {} -> {} (dead letters to {}), batches of up to {}",
                deployments.peek().map(Deployment::describe).orElse("?"), workerCount,
                config.getList(EngineConfig.INPUT_TOPICS), config.getString(EngineConfig.OUTPUT_TOPIC),
                config.getString(EngineConfig.DEAD_LETTER_TOPIC), config.getInt(EngineConfig.MAX_BATCH_SIZE));
        InferenceWorker.WorkerSettings settings = InferenceWorker.WorkerSettings.builder(
                        config.getList(EngineConfig.INPUT_TOPICS), config.getString(EngineConfig.OUTPUT_TOPIC),
                        config.getString(EngineConfig.DEAD_LETTER_TOPIC))
                .shadowTopic(shadowTopic)
                .maxBatchSize(config.getInt(EngineConfig.MAX_BATCH_SIZE))
                .maxRecordBytes(config.getInt(EngineConfig.INPUT_MAX_RECORD_BYTES))
                .pollTimeout(Duration.ofMillis(config.getLong(EngineConfig.POLL_TIMEOUT_MS)))
                .outputPartitions(topics.outputPartitions)
                .transactional(exactlyOnce())
                .maxBytes(topics.outputMaxBytes, topics.deadLetterMaxBytes)
                .retryBackoff(new RetryBackoff(config.getLong(EngineConfig.RETRY_BACKOFF_INITIAL_MS),
                        config.getLong(EngineConfig.RETRY_BACKOFF_MAX_MS)))
                .commitInterval(config.commitInterval())
                .encoder(encoder())
                .build();
        String group = config.getString(EngineConfig.GROUP_ID);
        ShareGroupLimits shareLimits = shareGroup() ? shareGroupLimits() : null;
        try {
            for (int i = 0; i < workerCount; i++) {
                String name = "inferstream-" + group + "-" + i;
                EngineWorker worker = shareLimits != null ? shareGroupWorker(name, i, settings, shareLimits)
                        : consumerGroupWorker(name, i, settings);
                workers.add(worker);
                // A large stack: native runtimes (ONNX Runtime, TensorFlow, ND4J) can need more than the 1 MB default,
                // and overflowing it kills the JVM instead of throwing.
                threads.add(new Thread(null, worker, name, WORKER_STACK_BYTES));
            }
            if (monitor.labels().isPresent()) {
                // Before the workers start: its position is fixed at the topic's end when they score anything.
                labelReader = new LabelReader(ModelSources.kafkaClients(config), "inferstream-" + group + "-labels",
                        config.getString(EngineConfig.MONITOR_LABELS_TOPIC), monitor.labels().get());
            }
        } catch (RuntimeException e) {
            // Nothing has started yet: close every client made so far, so a failed start leaks nothing.
            workers.forEach(EngineWorker::closeUnstarted);
            workers.clear();
            threads.clear();
            throw e;
        }
        threads.forEach(Thread::start);
        clusterWatch = new ClusterWatch(ModelSources.kafkaClients(config),
                String.join(",", config.getList(EngineConfig.BOOTSTRAP_SERVERS)), Duration.ofSeconds(3));
    }

    private InferenceWorker consumerGroupWorker(String name, int index, InferenceWorker.WorkerSettings settings) {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(name, index));
        KafkaProducer<byte[], byte[]> producer = producerOrClose(name, index, () -> consumer.close(Duration.ZERO));
        return new InferenceWorker(name, consumer, producer, deployments, index, settings, metrics, host, monitor);
    }

    private ShareGroupWorker shareGroupWorker(String name, int index, InferenceWorker.WorkerSettings settings,
            ShareGroupLimits limits) {
        KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(shareConsumerConfig(name, index));
        KafkaProducer<byte[], byte[]> producer = producerOrClose(name, index, () -> consumer.close(Duration.ZERO));
        return new ShareGroupWorker(name, consumer, producer, deployments, index, settings, limits, metrics, host,
                monitor);
    }

    /** @return the worker's producer; if it cannot be made, the worker's consumer is closed first. */
    private KafkaProducer<byte[], byte[]> producerOrClose(String name, int index, Runnable closeConsumer) {
        try {
            return new KafkaProducer<>(producerConfig(name, index));
        } catch (RuntimeException e) {
            closeConsumer.run();
            throw e;
        }
    }

    private boolean shareGroup() {
        return EngineConfig.GROUP_TYPE_SHARE.equals(config.getString(EngineConfig.GROUP_TYPE));
    }

    /** Reads the share group's delivery limit and record lock, and starts a new group at the earliest offset. */
    private ShareGroupLimits shareGroupLimits() {
        Map<String, Object> adminConfig = ModelSources.kafkaClients(config);
        adminConfig.keySet().retainAll(AdminClientConfig.configNames());
        try (Admin admin = Admin.create(adminConfig)) {
            ShareGroupLimits limits = ShareGroupLimits.prepare(admin, config.getString(EngineConfig.GROUP_ID));
            LOG.info("Share group {}: {}; records are not scored in order", config.getString(EngineConfig.GROUP_ID),
                    limits);
            return limits;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while reading the share group's configuration");
        }
    }

    /**
     * The share consumer's settings: the user's consumer.* keys (a key share consumers do not support, such as
     * auto.offset.reset or group.instance.id, fails its construction with Kafka's own message naming it) and
     * explicit acknowledgement, so that a record is accepted only once its output is written; batches no larger than
     * max.batch.size.
     */
    private Map<String, Object> shareConsumerConfig(String defaultClientId, int index) {
        Map<String, Object> c = new HashMap<>(config.consumerOverrides());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId(config.consumerOverrides(), defaultClientId, index));
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getList(EngineConfig.BOOTSTRAP_SERVERS));
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.getString(EngineConfig.GROUP_ID));
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.getInt(EngineConfig.MAX_BATCH_SIZE));
        c.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
        // Kafka's default (batch_optimized) hands a consumer whole fetched batches, far past max.poll.records: one
        // worker acquired a 1-partition topic's backlog while the others idled. record_limit keeps each worker to
        // max.batch.size records, so the backlog spreads over every worker of the group.
        c.putIfAbsent(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return c;
    }

    /** @return the label join, if monitor.labels.topic is set. */
    private LabelJoin labelJoin() {
        if (config.getString(EngineConfig.MONITOR_LABELS_TOPIC).isBlank()) {
            return null;
        }
        return new LabelJoin(observability.meters(), config.getLong(EngineConfig.MONITOR_WINDOW_MS),
                config.getInt(EngineConfig.MONITOR_PENDING_MAX), System::currentTimeMillis);
    }

    /** @return the drift monitor, if drift is on (monitor.drift.enabled, or a reference file). */
    private DriftMonitor driftMonitor() {
        String file = config.getString(EngineConfig.MONITOR_DRIFT_REFERENCE_FILE);
        if (!config.getBoolean(EngineConfig.MONITOR_DRIFT_ENABLED) && file.isBlank()) {
            return null;
        }
        DriftReference reference = null;
        if (!file.isBlank()) {
            try {
                reference = DriftReference.read(java.nio.file.Path.of(file));
            } catch (java.io.IOException | IllegalArgumentException e) {
                throw new ConfigException(EngineConfig.MONITOR_DRIFT_REFERENCE_FILE, file, e.getMessage());
            }
        }
        return new DriftMonitor(observability.meters(), config.getInt(EngineConfig.MONITOR_DRIFT_REFERENCE_RECORDS),
                config.getDouble(EngineConfig.MONITOR_DRIFT_THRESHOLD), reference);
    }

    private PredictionEncoder<byte[]> encoder() {
        try {
            return RecordCodecs.encoder(config);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(EngineConfig.OUTPUT_CODEC, config.getString(EngineConfig.OUTPUT_CODEC), e.getMessage());
        }
    }

    private DeploymentSettings deploymentSettings(int workerCount, boolean shadows) throws ModelLoadException {
        List<byte[]> warmup = new ArrayList<>();
        String file = config.getString(EngineConfig.MODEL_WARMUP_FILE);
        if (!file.isBlank()) {
            try {
                for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(file))) {
                    if (!line.isBlank()) {
                        warmup.add(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    }
                }
            } catch (java.io.IOException e) {
                throw new ConfigException(EngineConfig.MODEL_WARMUP_FILE, file, "cannot read it: " + e);
            }
        }
        return new DeploymentSettings(workerCount, info -> RecordCodecs.decoder(config, info),
                config.getList(EngineConfig.MODEL_CLASS_LABELS), config.getString(EngineConfig.MODEL_CLASS_OUTPUT),
                config.getInt(EngineConfig.MODEL_WARMUP_RECORDS), warmup, shadows);
    }

    /** What the engine learns about its topics before it starts. */
    private static final class TopicFacts {
        final int outputPartitions;
        final int outputMaxBytes;
        final int deadLetterMaxBytes;

        TopicFacts(int outputPartitions, int outputMaxBytes, int deadLetterMaxBytes) {
            this.outputPartitions = outputPartitions;
            this.outputMaxBytes = outputMaxBytes;
            this.deadLetterMaxBytes = deadLetterMaxBytes;
        }
    }

    /** Smallest dead-letter limit that still holds the reason headers and some of the record. */
    static final int MIN_DEAD_LETTER_BYTES = 16 * 1024;

    /**
     * Fails fast on a missing topic; learns the output's partition count (for order-keeping partitioning) and the
     * largest record the output and dead-letter topics and the producer accept, so that a dead letter is always
     * writable (cut to fit if need be) and a limit too small to hold one is a clear start-up error.
     */
    private TopicFacts checkTopics(String shadowTopic) {
        Map<String, Object> adminConfig = ModelSources.kafkaClients(config);
        adminConfig.keySet().retainAll(AdminClientConfig.configNames());
        Set<String> topics = new LinkedHashSet<>(config.getList(EngineConfig.INPUT_TOPICS));
        String output = config.getString(EngineConfig.OUTPUT_TOPIC);
        String deadLetter = config.getString(EngineConfig.DEAD_LETTER_TOPIC);
        topics.add(output);
        topics.add(deadLetter);
        if (shadowTopic != null) {
            topics.add(shadowTopic);
        }
        String labels = config.getString(EngineConfig.MONITOR_LABELS_TOPIC);
        if (!labels.isBlank()) {
            topics.add(labels);
        }
        try (Admin admin = Admin.create(adminConfig)) {
            Map<String, TopicDescription> found;
            try {
                // One request and one deadline for all topics: a cluster that does not answer fails in 30 s, once.
                found = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new ConfigException("Topic '" + firstMissing(admin, topics) + "' does not exist on "
                            + config.getList(EngineConfig.BOOTSTRAP_SERVERS) + "; create it first (input, output"
                            + ", dead-letter, shadow and labels topics are never auto-created by the engine)");
                }
                throw new ConfigException("Cannot describe topics " + topics + ": " + e.getCause());
            }
            boolean byInput = "input".equals(config.getString(EngineConfig.OUTPUT_PARTITIONING));
            Map<String, Integer> topicLimits = maxMessageBytes(admin, List.of(output, deadLetter));
            int producerLimit = producerMaxRequestSize();
            int outputMax = Math.min(producerLimit, topicLimits.getOrDefault(output, Integer.MAX_VALUE));
            int deadLetterMax = Math.min(producerLimit, topicLimits.getOrDefault(deadLetter, Integer.MAX_VALUE));
            checkDeadLetterLimit(deadLetter, deadLetterMax, producerLimit);
            return new TopicFacts(byInput ? found.get(output).partitions().size() : 0, outputMax, deadLetterMax);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while checking topics");
        } catch (TimeoutException e) {
            throw new ConfigException(EngineConfig.BOOTSTRAP_SERVERS, config.getList(EngineConfig.BOOTSTRAP_SERVERS),
                    "no answer from the Kafka cluster within 30 s");
        }
    }

    private void checkDeadLetterLimit(String deadLetter, int deadLetterMax, int producerLimit) {
        String keys = "the dead-letter topic's max.message.bytes and producer.max.request.size";
        if (deadLetterMax < MIN_DEAD_LETTER_BYTES) {
            throw new ConfigException("Dead letters would not fit: topic '" + deadLetter + "' and the producer accept "
                    + "records of at most " + deadLetterMax + " bytes (producer.max.request.size=" + producerLimit
                    + "); a dead letter needs at least " + MIN_DEAD_LETTER_BYTES + " for its reason headers. Raise "
                    + keys + ".");
        }
        int inputLimit = config.getInt(EngineConfig.INPUT_MAX_RECORD_BYTES);
        if (inputLimit + MIN_DEAD_LETTER_BYTES > deadLetterMax) {
            LOG.warn("Records close to input.max.record.bytes={} do not fit the dead-letter topic '{}' whole (at most {} "
                    + "bytes with headers): such dead letters are written with their value cut and a header saying so. "
                    + "Raise {}, or lower input.max.record.bytes, to keep them whole.", inputLimit, deadLetter,
                    deadLetterMax, keys);
        }
    }

    private int producerMaxRequestSize() {
        Object given = config.producerOverrides().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        return given == null ? 1_048_576 : Integer.parseInt(String.valueOf(given).trim());
    }

    /** @return each topic's max.message.bytes as the broker reports it; absent if it cannot be read (ACLs). */
    private static Map<String, Integer> maxMessageBytes(Admin admin, List<String> topics) throws InterruptedException {
        Map<String, Integer> out = new HashMap<>();
        List<org.apache.kafka.common.config.ConfigResource> resources = new ArrayList<>();
        topics.forEach(t -> resources.add(new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, t)));
        try {
            admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS).forEach((resource, cfg) -> {
                org.apache.kafka.clients.admin.ConfigEntry e = cfg.get("max.message.bytes");
                if (e != null && e.value() != null) {
                    out.put(resource.name(), Integer.parseInt(e.value()));
                }
            });
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Cannot read max.message.bytes of {} ({}); assuming the producer's limit", topics, e.toString());
        }
        return out;
    }

    /** A client id per worker: the given one, or the user's with the worker index, so JMX names never clash. */
    private static String clientId(Map<String, Object> overrides, String defaultId, int index) {
        Object given = overrides.get(ConsumerConfig.CLIENT_ID_CONFIG);
        return given == null ? defaultId : given + "-" + index;
    }

    /** @return the first of the topics the cluster does not know, to name it in the error. */
    private static String firstMissing(Admin admin, Set<String> topics) throws InterruptedException, TimeoutException {
        for (String topic : topics) {
            try {
                admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    return topic;
                }
            }
        }
        return String.join(", ", topics);
    }

    private Map<String, Object> consumerConfig(String defaultClientId, int index) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // A linger on the consuming side, as linger.ms=5 is on the producing one. The worker polls again as soon as
        // it has sent a batch, so at a moderate rate each poll would bring a record or two and the per-poll work (a
        // fetch on both ends, a model call, a produce request) would be paid per record; measured at half the
        // maximum rate, that tipped the engine into a backlog (p99 in the hundreds of ms). The broker now answers a
        // fetch once 64 KB are there or 5 ms have passed; a backlog fills 64 KB at once, so throughput is unchanged.
        c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, DEFAULT_FETCH_MIN_BYTES);
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, DEFAULT_FETCH_MAX_WAIT_MS);
        c.putAll(config.consumerOverrides());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId(config.consumerOverrides(), defaultClientId, index));
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getList(EngineConfig.BOOTSTRAP_SERVERS));
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.getString(EngineConfig.GROUP_ID));
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.getInt(EngineConfig.MAX_BATCH_SIZE));
        String instance = config.getString(EngineConfig.INSTANCE_ID);
        if (!instance.isBlank()) {
            // Static membership: a restarted instance takes its partitions back at once, without waiting for the
            // old member's session to expire or a rebalance of the whole group.
            c.putIfAbsent(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instance + "-" + index);
        }
        // The engine commits after the outputs are acknowledged; auto-commit would break at-least-once.
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        if (exactlyOnce()) {
            // Inputs written by transactional producers: never score records of aborted transactions.
            c.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        }
        return c;
    }

    private boolean exactlyOnce() {
        return EngineConfig.EXACTLY_ONCE.equals(config.getString(EngineConfig.PROCESSING_GUARANTEE));
    }

    private Map<String, Object> producerConfig(String defaultClientId, int index) {
        String clientId = clientId(config.producerOverrides(), defaultClientId, index);
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.putAll(config.producerOverrides());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.getList(EngineConfig.BOOTSTRAP_SERVERS));
        if (exactlyOnce()) {
            // With a stable instance.id the id is stable too, so a restarted worker's initTransactions() fences
            // the crashed one and aborts its open transaction at once; otherwise read_committed readers wait for it
            // to time out. Without instance.id the id must be unique (two instances would fence each other).
            String instance = config.getString(EngineConfig.INSTANCE_ID);
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, instance.isBlank()
                    ? clientId + "-" + java.util.UUID.randomUUID()
                    : "inferstream-" + config.getString(EngineConfig.GROUP_ID) + "-" + instance + "-" + index);
            // A crashed instance's open transaction blocks readers until it times out: keep that short.
            p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, EngineConfig.DEFAULT_TRANSACTION_TIMEOUT_MS);
        }
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    /** Called by a worker that hit a model-wide or Kafka failure: stop every worker. */
    private void fail(Throwable cause) {
        synchronized (lock) {
            if (failure == null) {
                failure = cause;
            }
            state = EngineState.FAILED;
        }
        stopping = true;
        workers.forEach(EngineWorker::wakeup);
    }

    /** @return TLS and tokens for the metrics endpoint, from metrics.tls.* and metrics.tokens.file */
    static io.inferstream.http.HttpSecurity metricsSecurity(EngineConfig config) {
        io.inferstream.http.HttpSecurity security = io.inferstream.http.HttpSecurity.none();
        String certificate = config.getString(EngineConfig.METRICS_TLS_CERTIFICATE);
        String key = config.getString(EngineConfig.METRICS_TLS_KEY);
        String clientCa = config.getString(EngineConfig.METRICS_TLS_CLIENT_CA);
        if (certificate.isBlank() != key.isBlank()) {
            throw new ConfigException(EngineConfig.METRICS_TLS_CERTIFICATE + " and " + EngineConfig.METRICS_TLS_KEY
                    + " go together: set both for HTTPS, or neither");
        }
        if (!clientCa.isBlank() && certificate.isBlank()) {
            throw new ConfigException(EngineConfig.METRICS_TLS_CLIENT_CA + " needs "
                    + EngineConfig.METRICS_TLS_CERTIFICATE + " and " + EngineConfig.METRICS_TLS_KEY);
        }
        try {
            if (!certificate.isBlank()) {
                io.inferstream.http.TlsSettings tls = io.inferstream.http.TlsSettings.of(
                        java.nio.file.Path.of(certificate), java.nio.file.Path.of(key));
                if (!clientCa.isBlank()) {
                    tls = tls.requireClientCertificates(java.nio.file.Path.of(clientCa));
                }
                tls.sslContext(); // reads the files now: a wrong one is a configuration error at start, by name
                security = security.withTls(tls);
            }
            String tokens = config.getString(EngineConfig.METRICS_TOKENS_FILE);
            if (!tokens.isBlank()) {
                security = security.withTokens(io.inferstream.http.BearerTokens.fromFile(java.nio.file.Path.of(tokens)),
                        config.getBoolean(EngineConfig.METRICS_HEALTH_NEEDS_TOKEN) ? java.util.Set.of()
                                : java.util.Set.of("/health/live", "/health/ready"));
            }
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new ConfigException("metrics endpoint security: " + e.getMessage());
        }
        return security;
    }

    /** Starts the metrics.port endpoint, if configured, before the model loads: probes see why it is not ready. */
    private void serveMetrics() {
        Integer port = config.getInt(EngineConfig.METRICS_PORT);
        if (port != null) {
            try {
                observability.serve(config.getString(EngineConfig.METRICS_HOST), port, metricsSecurity(config),
                        this::notReady, () -> monitor);
            } catch (java.io.UncheckedIOException e) {
                throw new ConfigException(EngineConfig.METRICS_PORT, port, e.getMessage());
            }
        }
    }

    /**
     * What {@code /health/ready} answers: ready once a model is loaded, the workers have input partitions and the
     * Kafka cluster answers; not ready while starting, stopping, or after a failure stopped the engine.
     *
     * @return empty when ready, else why not
     */
    public Optional<String> notReady() {
        Throwable failed = failure;
        if (state == EngineState.FAILED) {
            return Optional.of("the engine stopped after a failure: "
                    + (failed == null ? "unknown" : failed.getMessage() != null ? failed.getMessage() : failed.toString()));
        }
        if (state != EngineState.RUNNING) {
            return Optional.of("the engine is " + state.name().toLowerCase(java.util.Locale.ROOT));
        }
        DeploymentManager d = deployments;
        if (d == null || d.peek().isEmpty()) {
            return Optional.of("no model is loaded yet");
        }
        if (metrics.assignedPartitions() == 0) {
            return Optional.of("no input partitions are assigned yet");
        }
        if (!clusterReachable()) {
            return Optional.of("the Kafka cluster is unreachable");
        }
        return Optional.empty();
    }

    /** @return the port of the metrics.port endpoint (the one chosen, with metrics.port=0), if it runs. */
    public Optional<Integer> metricsPort() {
        return observability.port();
    }

    /** @return the model monitors (label join and drift), each present if configured. */
    public ModelMonitor monitor() {
        return monitor;
    }

    /** @return the live metrics. */
    public EngineMetrics metrics() {
        return metrics;
    }

    /** @return the info of the current deployment's first serving version (the only one without routing). */
    public ModelInfo modelInfo() {
        return deployments.peek().map(d -> d.serving().get(0).info())
                .orElseThrow(() -> new IllegalStateException("the engine is closed"));
    }

    /** @return false while the Kafka cluster does not answer (checked every few seconds). */
    public boolean clusterReachable() {
        return clusterWatch == null || clusterWatch.reachable();
    }

    /** @return the deployment manager: the current snapshot, swap and rejection counts. */
    public DeploymentManager deployments() {
        return deployments;
    }

    public EngineState state() {
        return state;
    }

    /** @return what stopped the engine, if it failed. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Waits for every worker to end (after close() or a failure).
     *
     * @return true if they all ended within the timeout
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            t.join(left);
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Stops gracefully: each worker finishes and commits its in-flight batch, then the Kafka clients and models
     * are closed. Idempotent; waits up to {@code shutdown.timeout.ms}.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (state == EngineState.RUNNING) {
                state = EngineState.STOPPING;
            }
        }
        stopping = true;
        workers.forEach(EngineWorker::wakeup);
        try {
            if (!awaitTermination(Duration.ofMillis(config.getLong(EngineConfig.SHUTDOWN_TIMEOUT_MS)))) {
                LOG.warn("Workers did not stop within {} ms", config.getLong(EngineConfig.SHUTDOWN_TIMEOUT_MS));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            if (labelReader != null) {
                labelReader.close();
            }
            if (deployments != null) {
                deployments.close();
            }
            if (clusterWatch != null) {
                clusterWatch.close();
            }
            if (state == EngineState.STOPPING) {
                state = EngineState.STOPPED;
                if (!threads.isEmpty()) {
                    LOG.info("Stopped: {}", metrics);
                }
            }
            observability.close();
        }
    }
}
