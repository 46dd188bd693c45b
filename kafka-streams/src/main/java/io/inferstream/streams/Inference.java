package io.inferstream.streams;

import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.monitor.LabelJoin;
import io.inferstream.monitor.ModelMonitor;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.deploy.TrafficSample;
import io.inferstream.deploy.kafka.ModelTopicSource;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelProvider;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Scores any Inferstream model inside a Kafka Streams topology, micro-batched:
 * <pre>{@code
 * try (Inference inference = Inference.start(() -> registry.load(ModelSource.of(path), null, Map.of()),
 *         InferenceOptions.builder().predictionChild("predictions").deadLetterChild("dead-letters").build())) {
 *     KStream<byte[], byte[]> scored = builder.stream("events", Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
 *             .processValues(inference.processor(), Named.as("inference"));
 *     scored.to("predictions", Produced.as("predictions"));
 *     scored.to("dead-letters", Produced.as("dead-letters"));
 *     ... new KafkaStreams(builder.build(), props).start() ...
 * }
 * }</pre>
 * One {@code Inference} per application instance holds the {@link DeploymentManager}: the loaded model versions,
 * their routing, and hot swaps from a model topic or a versioned folder. Every processor it supplies (one per
 * stream task) scores against the snapshot current when its batch starts. Records wait in a changelogged buffer
 * store, so a commit never loses or repeats them (see the module README for the exact guarantee).
 *
 * <p>Close it after {@code KafkaStreams.close()}: closing it first fails the processors' next batch.
 *
 * <p>Thread safety: thread-safe; {@link #processor()} may be used by any number of stream threads.
 */
public final class Inference implements AutoCloseable {
    private final DeploymentManager deployments;
    private final InferenceOptions options;
    private final SlotAllocator slots;
    private volatile ModelMonitor monitor = new ModelMonitor(null, null);

    private Inference(DeploymentManager deployments, InferenceOptions options) {
        this.deployments = deployments;
        this.options = options;
        this.slots = new SlotAllocator(options.slots());
    }

    /**
     * Feeds every scored batch to the engine's accuracy and drift monitor, as the engine does: each prediction is
     * remembered under its record key for the label join, and each scored row and prediction is observed for drift,
     * per model version. Labels come from your topology: {@code builder.stream("labels", ...).foreach(
     * (k, v) -> inference.onLabel(k, v))}. Call before the topology starts.
     *
     * @param monitor e.g. {@code new ModelMonitor(new LabelJoin(registry, 600_000, 100_000, System::currentTimeMillis),
     *     new DriftMonitor(registry, 1_000, 0.2, null))}
     * @return this
     */
    public Inference monitor(ModelMonitor monitor) {
        this.monitor = java.util.Objects.requireNonNull(monitor, "monitor");
        return this;
    }

    /** @return the monitor fed by this instance's processors (off unless {@link #monitor(ModelMonitor)} set one). */
    public ModelMonitor monitor() {
        return monitor;
    }

    /**
     * Joins a true label with the prediction remembered for its key (see {@link #monitor(ModelMonitor)}); without a
     * label join, the label is ignored.
     *
     * @return what became of it
     */
    public LabelJoin.Outcome onLabel(byte[] key, byte[] value) {
        LabelJoin labels = monitor.labels().orElse(null);
        return labels == null ? LabelJoin.Outcome.UNMATCHED : labels.onLabel(key, value);
    }

    /**
     * Loads one model that never changes ({@code options.slots()} instances if it is not thread-safe).
     *
     * @throws ModelLoadException if it does not load
     */
    public static Inference start(ModelProvider provider, InferenceOptions options) throws ModelLoadException {
        return start(new FixedModelSource("model", provider), options);
    }

    /**
     * Loads the source's current deployment and follows it: a {@link ModelTopicSource} or a
     * {@link io.inferstream.deploy.VersionedDirectorySource} swap versions and routing without a restart.
     *
     * @throws ModelLoadException if nothing can be served, with every version's reason
     */
    public static Inference start(DeploymentSource source, InferenceOptions options) throws ModelLoadException {
        DeploymentManager manager = new DeploymentManager(source, options.deploymentSettings(), new TrafficSample(16));
        try {
            manager.start(options.loadTimeout());
        } catch (ModelLoadException | RuntimeException e) {
            manager.close();
            throw e;
        }
        return new Inference(manager, options);
    }

    /**
     * Follows model {@code name} on a model topic written by {@code inferstream publish-model} and
     * {@code inferstream route}, as the engine's {@code model.topic} does.
     *
     * @param kafkaClients at least {@code bootstrap.servers}, plus any security settings of the cluster
     * @param registry loaders for the formats published on the topic
     */
    public static Inference fromModelTopic(Map<String, Object> kafkaClients, String topic, String name,
            ModelRegistry registry, InferenceOptions options) throws ModelLoadException {
        return start(new ModelTopicSource(kafkaClients, topic, name, 1L << 30,
                (file, format) -> () -> registry.load(ModelSource.of(file), format, Map.of()), true), options);
    }

    /**
     * A supplier of batching processors for {@code KStream.processValues}. It brings its own buffer store
     * ({@link InferenceOptions#bufferStoreName()}), connected automatically: in memory, changelogged, and cached.
     *
     * <p>The trade-off, in short (the module README has it in full): the changelog is what keeps a buffered record
     * whose offset Streams has committed; there is deliberately no unlogged variant, which would lose such records in
     * a crash under at_least_once. The cache keeps the changelog cheap: a record scored before the task's next commit
     * is logged only as a tombstone. That needs {@code statestore.cache.max.bytes} to hold every task's full buffer
     * (tasks × {@code maxBatchSize} × record size); a smaller cache is still safe, but logs each buffered value.
     */
    public FixedKeyProcessorSupplier<byte[], byte[], byte[]> processor() {
        return processor(true);
    }

    /**
     * @param changelogged false only to measure what the changelog costs (StreamsThroughputBench): without it a
     *     buffered record whose offset is committed is lost in a crash, which is why it is not offered to users
     */
    FixedKeyProcessorSupplier<byte[], byte[], byte[]> processor(boolean changelogged) {
        return new FixedKeyProcessorSupplier<>() {
            private final Map<TaskId, CommitObservingStore> stores = CommitObservingStore.registry();

            @Override
            public FixedKeyProcessor<byte[], byte[], byte[]> get() {
                return new BatchingInferenceProcessor(deployments, options, slots, stores, () -> monitor);
            }

            @Override
            public Set<StoreBuilder<?>> stores() {
                StoreBuilder<KeyValueStore<Bytes, byte[]>> store = bufferStore(options.bufferStoreName(), stores);
                return Set.of(changelogged ? store : store.withLoggingDisabled());
            }
        };
    }

    /**
     * The buffer store: in memory (a buffer holds at most one batch per task) and logged to a changelog topic,
     * which is what makes buffered records survive a commit (see the module README).
     */
    static StoreBuilder<KeyValueStore<Bytes, byte[]>> bufferStore(String name, Map<TaskId, CommitObservingStore> stores) {
        KeyValueBytesStoreSupplier inMemory = Stores.inMemoryKeyValueStore(name);
        KeyValueBytesStoreSupplier observed = new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new CommitObservingStore(inMemory.get(), stores);
            }

            @Override
            public String metricsScope() {
                return inMemory.metricsScope();
            }
        };
        // Cached: an entry put and deleted between two commits (a record scored before the task commits, the usual
        // case under at_least_once's 30 s commit interval) never reaches the changelog, only its small tombstone does.
        return Stores.keyValueStoreBuilder(observed, Serdes.Bytes(), Serdes.ByteArray()).withLoggingEnabled(Map.of())
                .withCachingEnabled();
    }

    /** @return the deployments shared by this instance's processors: what serves, swaps, rejections. */
    public DeploymentManager deployments() {
        return deployments;
    }

    /** @return what serves now, e.g. {@code fraud:2}, for logs. */
    public String describe() {
        return deployments.peek().map(Deployment::describe).orElse("nothing (closed)");
    }

    /** Stops following the source and closes every model version once its last batch has ended. Idempotent. */
    @Override
    public void close() {
        deployments.close();
    }
}
