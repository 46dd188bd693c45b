package io.inferstream.streams;

import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.kafka.KafkaHeaders;
import io.inferstream.model.ModelFailureException;
import io.inferstream.monitor.LabelJoin;
import io.inferstream.monitor.ModelMonitor;
import io.inferstream.scoring.DeadLetters;
import io.inferstream.scoring.ScoredBatch;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.scoring.ScoringPipeline;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.InternalFixedKeyRecordFactory;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream task's micro-batching scorer. Each record is appended to a changelogged buffer store (and kept in
 * memory); when {@code maxBatchSize} records wait, or at the wall-clock punctuation every {@code maxBatchDelay}, the
 * buffer is scored with one {@link ScoringPipeline} call against one acquired {@link Deployment}, every record is
 * forwarded in arrival order (a prediction, or a dead letter with the engine's headers), and the buffer entries are
 * deleted: at once under exactly_once_v2 (outputs and tombstones share the task's transaction) and for records that
 * arrived since the task's last commit (still only in the store's cache, never logged); under at_least_once a record
 * buffered across a commit is deleted after the next commit, once that commit has acknowledged its outputs (see
 * {@link CommitObservingStore}).
 *
 * <p>Why a store: Kafka Streams commits the offsets of every record a task has <em>processed</em>, and it has no
 * hook that lets a processor act before a commit. A record held only in memory at a commit would have its offset
 * committed without any output, and a crash would lose it. In the store, its buffer entry is written to the
 * changelog, which Streams flushes before committing offsets (and, with exactly_once_v2, commits in the same
 * transaction as the offsets and the outputs). After a crash or a task move, the restored buffer is scored first.
 *
 * <p>Thread safety: confined to the stream thread running its task, as Kafka Streams guarantees for processors.
 */
final class BatchingInferenceProcessor implements FixedKeyProcessor<byte[], byte[], byte[]> {
    private static final Logger LOG = LoggerFactory.getLogger(BatchingInferenceProcessor.class);

    private final DeploymentManager deployments;
    private final InferenceOptions options;
    private final SlotAllocator slots;
    private final Map<TaskId, CommitObservingStore> storesByTask;
    /** The instance's accuracy and drift monitor, read per batch (it may be set after the topology is built). */
    private final Supplier<ModelMonitor> monitor;
    private final List<Pending> pending = new ArrayList<>();
    /** at_least_once: buffer entries scored and forwarded, deleted once a commit has acknowledged their outputs. */
    private final List<Bytes> scoredAwaitingCommit = new ArrayList<>();
    private long commitsWhenScored;
    private CommitObservingStore observed;
    private boolean exactlyOnce;
    private FixedKeyProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Bytes, byte[]> store;
    private ScoringPipeline<byte[]> pipeline;
    private DeadLetters deadLetters;
    /** Whether dead letters also carry Kafka Streams' own headers (errors.dead.letter.queue.topic.name is set). */
    private boolean streamsDeadLetterHeaders;
    private Cancellable punctuation;
    private Thread thread;
    private long nextSequence;

    /** A buffered record, its buffer-store key, and the record Streams gave us (null once restored). */
    private static final class Pending {
        final Bytes storeKey;
        final BufferedRecord record;
        final FixedKeyRecord<byte[], byte[]> original;

        Pending(Bytes storeKey, BufferedRecord record, FixedKeyRecord<byte[], byte[]> original) {
            this.storeKey = storeKey;
            this.record = record;
            this.original = original;
        }
    }

    BatchingInferenceProcessor(DeploymentManager deployments, InferenceOptions options, SlotAllocator slots,
            Map<TaskId, CommitObservingStore> storesByTask, Supplier<ModelMonitor> monitor) {
        this.monitor = monitor;
        this.deployments = deployments;
        this.options = options;
        this.slots = slots;
        this.storesByTask = storesByTask;
    }

    @Override
    public void init(FixedKeyProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(options.bufferStoreName());
        this.observed = storesByTask.get(context.taskId());
        if (observed == null) {
            throw new IllegalStateException("buffer store " + options.bufferStoreName() + " of task " + context.taskId()
                    + " is not the one Inference.processor() supplies; connect the processor with its own stores()");
        }
        this.exactlyOnce = String.valueOf(context.appConfigs().get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
                .startsWith("exactly_once");
        this.thread = Thread.currentThread();
        int slot = slots.acquire(thread, servingIsThreadSafe());
        this.deadLetters = new DeadLetters(producerLimit(context.appConfigs()));
        this.streamsDeadLetterHeaders = StreamsDeadLetterHeaders.configured(context.appConfigs());
        this.pipeline = ScoringPipeline.json(slot, options.maxBatchSize(), options.maxRecordBytes(),
                deployments.traffic());
        restoreBuffer();
        this.punctuation = context.schedule(options.maxBatchDelay(), PunctuationType.WALL_CLOCK_TIME,
                now -> {
                    monitor.get().labels().ifPresent(LabelJoin::expire);
                    deleteAcknowledged();
                    flush();
                });
    }

    private boolean servingIsThreadSafe() {
        return deployments.peek().map(d -> d.serving().stream().allMatch(v -> v.info().threadSafe())
                && d.shadows().stream().allMatch(v -> v.info().threadSafe())).orElse(true);
    }

    /**
     * Takes over records buffered before a crash, a restart or a task move, in their order. They cannot be forwarded
     * here (Streams forbids forwarding from init), so the first punctuation or full batch scores them.
     */
    private void restoreBuffer() {
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                var entry = it.next();
                pending.add(new Pending(entry.key, BufferedRecord.decode(entry.value), null));
                nextSequence = ByteBuffer.wrap(entry.key.get()).getLong() + 1;
            }
        }
        if (!pending.isEmpty()) {
            LOG.info("Task {}: {} record(s) buffered before a restart or task move are scored first",
                    context.taskId(), pending.size());
        }
    }

    @Override
    public void process(FixedKeyRecord<byte[], byte[]> record) {
        deleteAcknowledged();
        // Where the record came from, for its dead letter: only knowable now, while it is the current record.
        RecordMetadata meta = context.recordMetadata().orElse(null);
        BufferedRecord buffered = new BufferedRecord(record.key(), record.value(), record.timestamp(),
                record.headers(), meta == null ? null : meta.topic(), meta == null ? -1 : meta.partition(),
                meta == null ? -1 : meta.offset());
        // Big-endian sequence numbers sort in arrival order in the store, so a restored buffer keeps the order.
        Bytes key = Bytes.wrap(ByteBuffer.allocate(Long.BYTES).putLong(nextSequence++).array());
        store.put(key, buffered.encode());
        pending.add(new Pending(key, buffered, record));
        if (pending.size() >= options.maxBatchSize()) {
            flush();
        }
    }

    /**
     * Scores the whole buffer and forwards every outcome in arrival order, then empties the buffer store. Runs on
     * the stream thread, so forwards and store deletes land before the next commit (in its transaction under
     * exactly_once_v2).
     *
     * @throws StreamsException if the model cannot score at all; the buffer is kept, so nothing is dropped
     */
    private void flush() {
        if (pending.isEmpty()) {
            return;
        }
        ScoredBatch<byte[]> scored;
        // One snapshot for the whole batch; released once scored, so a retired version closes after this batch.
        Deployment deployment;
        try {
            deployment = deployments.acquire();
        } catch (IllegalStateException e) {
            throw new StreamsException("task " + context.taskId() + " has " + pending.size() + " records to score but "
                    + "its Inference is closed: close KafkaStreams before the Inference it uses", e);
        }
        try {
            scored = pipeline.score(deployment, pending, p -> p.record.key, p -> p.record.value);
        } catch (ModelFailureException e) {
            throw new StreamsException("the model failed on a batch of " + pending.size() + " records in task "
                    + context.taskId() + "; none of it is forwarded and the batch stays buffered: " + e.getMessage(),
                    e);
        } finally {
            deployment.release();
        }
        pipeline.modelCallsAndReset();
        ModelMonitor monitoring = monitor.get();
        if (monitoring.active()) {
            monitoring.onScored(scored);
        }
        for (int i = 0; i < pending.size(); i++) {
            Pending p = pending.get(i);
            ScoredRecord<byte[]> outcome = scored.outcomes().get(i);
            if (outcome.ok()) {
                context.forward(recordOf(p, outcome.output(), KafkaHeaders.prediction(p.record.headers,
                        outcome.version())), options.predictionChild());
            } else {
                BufferedRecord r = p.record;
                DeadLetters.DeadLetter letter = deadLetters.of(r.topic == null ? null
                        : new DeadLetters.Origin(r.topic, r.partition, r.offset), r.key, r.value,
                        KafkaHeaders.fields(r.headers), outcome.stage(), outcome.error(), outcome.version().info());
                if (streamsDeadLetterHeaders) {
                    letter = StreamsDeadLetterHeaders.addTo(letter, r.topic, r.partition, r.offset, outcome.error(),
                            deadLetters.maxBytes());
                }
                context.forward(recordOf(p, letter.value(), KafkaHeaders.of(letter.headers())),
                        options.deadLetterChild());
            }
        }
        if (options.shadowChild() != null) {
            for (ScoredRecord<byte[]> shadow : scored.shadows()) {
                Pending p = pending.get(shadow.index());
                context.forward(recordOf(p, shadow.output(), KafkaHeaders.prediction(p.record.headers,
                        shadow.version())), options.shadowChild());
            }
        }
        for (Pending p : pending) {
            if (exactlyOnce || !observed.reachedChangelog(p.storeKey)) {
                // exactly_once_v2: outputs and tombstones commit or abort together in the task's transaction.
                // Not in the changelog yet (only in the store's cache): the record arrived after the task's last
                // commit, so its input offset is not committed, and the next commit flushes its outputs before it
                // commits that offset; a crash before then replays the input. Deleting the entry now lets the cache
                // drop it before it is ever logged: only a small tombstone goes out at the commit.
                store.delete(p.storeKey);
            } else {
                // at_least_once, a record buffered across a commit (its offset is committed, the changelog holds
                // it): delete it only after a later commit acknowledged its outputs, see deleteAcknowledged().
                scoredAwaitingCommit.add(p.storeKey);
                commitsWhenScored = observed.commits();
            }
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("Task {}: scored {} record(s) with {}", context.taskId(), pending.size(), deployment.describe());
        }
        pending.clear();
    }

    /**
     * at_least_once: deletes the buffer entries of batches forwarded before the last commit, whose outputs that commit
     * waited for (see {@link CommitObservingStore}). An entry is thus never deleted before its output is safe; a crash
     * in between re-scores it (a duplicate, which at-least-once allows), never loses it.
     */
    private void deleteAcknowledged() {
        if (!scoredAwaitingCommit.isEmpty() && observed.commits() > commitsWhenScored) {
            scoredAwaitingCommit.forEach(store::delete);
            scoredAwaitingCommit.clear();
        }
    }

    /**
     * The record to forward: derived from the one Streams gave us when we have it, else (a restored record) made
     * with {@link InternalFixedKeyRecordFactory}, which is safe here because the key is the record's own original
     * key, so the fixed-key promise (no repartitioning needed) still holds.
     */
    private static FixedKeyRecord<byte[], byte[]> recordOf(Pending p, byte[] value, Headers headers) {
        if (p.original != null) {
            return p.original.withValue(value).withHeaders(headers);
        }
        return InternalFixedKeyRecordFactory.create(new Record<>(p.record.key, value, p.record.timestamp, headers));
    }

    /**
     * @return the largest record this application's producer sends ({@code max.request.size}, producer-prefixed or
     *     not), which dead letters are cut to fit; Kafka's default when unset
     */
    static int producerLimit(Map<String, Object> appConfigs) {
        Object limit = appConfigs.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        if (limit == null) {
            limit = appConfigs.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        }
        return limit == null ? DeadLetters.KAFKA_DEFAULT_MAX_BYTES : Integer.parseInt(limit.toString().trim());
    }

    /**
     * Scores what is buffered. Streams closes a task's processors before it prepares the task's commit (on a
     * rebalance, a clean shutdown or {@code TopologyTestDriver.close()}), so these forwards are part of that commit.
     * If scoring fails here the records stay in the buffer store and the task's next owner scores them. Under
     * at_least_once the entries of this last batch are not deleted (no commit can acknowledge their outputs while
     * this task still runs), so the next owner scores them again: at most one batch per task is repeated on a
     * rebalance or a clean shutdown.
     */
    @Override
    public void close() {
        if (context == null) {
            return; // init never ran: nothing buffered, no slot taken
        }
        try {
            if (punctuation != null) {
                punctuation.cancel();
            }
            deleteAcknowledged();
            flush();
        } catch (RuntimeException e) {
            LOG.warn("Task {}: {} buffered record(s) not scored on close; they stay in store {} and are scored "
                    + "when the task runs again: {}", context.taskId(), pending.size(), options.bufferStoreName(),
                    e.toString());
        } finally {
            slots.release(thread);
        }
    }
}
