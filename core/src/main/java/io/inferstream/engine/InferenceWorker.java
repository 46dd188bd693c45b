package io.inferstream.engine;

import io.inferstream.deploy.DeployedVersion;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.codec.JsonPredictionEncoder;
import io.inferstream.codec.PredictionEncoder;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.RetriableInferenceException;
import io.inferstream.monitor.ModelMonitor;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.scoring.ScoredBatch;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.scoring.ScoringPipeline;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker thread's consume → decode → predict → produce → commit loop, with its own consumer and producer.
 *
 * <p>Each poll is one micro-batch, scored by the {@link ScoringPipeline} against the deployment snapshot current when
 * the batch starts (so a swap never splits a batch): records are decoded, routed to a version, the good ones scored
 * in as few model calls as the batch size allows, and every record is written as a prediction or a dead letter in
 * poll order (so per-partition order holds); shadow predictions go to the shadow topic.
 *
 * <p>The worker does not wait for the broker after a batch: it polls the next one while the producer sends. Its
 * {@link CommitPolicy} commits on an interval spanning many batches ({@code commit.interval.ms}), and only offsets
 * whose every output the broker has acknowledged (or, under exactly-once, in the transaction that holds those
 * outputs): at-least-once, and nothing is lost. A model-wide failure or a failed write ends the loop; what was
 * acknowledged before it may still be committed, nothing after it is.
 *
 * <p>A model that cannot answer now ({@link RetriableInferenceException}) does not end the loop: the worker holds the
 * batch, pauses its partitions and keeps polling (paused partitions return nothing, but each poll keeps the member in
 * its group however long the outage lasts), and scores the same batch again with exponential backoff. Nothing of the
 * held batch is written or committed until it is scored. If a rebalance revokes partitions meanwhile, their records
 * leave the held batch (nothing of them was committed, so their new owner reads them again); if the engine stops,
 * the held batch is dropped uncommitted.
 *
 * <p>Thread safety: confined to its own thread, except {@link #wakeup()}, which any thread may call.
 */
final class InferenceWorker implements EngineWorker {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class);

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final DeploymentManager deployments;
    private final ScoringPipeline<byte[]> pipeline;
    private final WorkerSettings settings;
    private final DeadLetterRecords deadLetters;
    private final CommitPolicy commits;
    private final OutputRecords outputs;
    /** The first write that failed, set by the producer's callbacks; the worker stops when it sees it. */
    private final AtomicReference<Exception> writeFailure = new AtomicReference<>();
    /** Set once the loop has ended: the rebalance listener, which consumer.close() also runs, then does nothing. */
    private boolean finished;
    private final EngineMetrics metrics;
    private final Host engine;
    private final ModelMonitor monitor;
    /** Micrometer's view of the Kafka clients' own metrics (records-lag per partition, request rates, ...). */
    private final List<KafkaClientMetrics> clientMetrics = new ArrayList<>();
    /**
     * The batch waiting for the model to answer again, or null. The rebalance listener (run inside poll, on this
     * thread) removes the records of revoked partitions from it and pauses newly assigned partitions.
     */
    private List<ConsumerRecord<byte[], byte[]>> held;

    /** What a worker needs from the engine that runs it. */
    interface Host {
        /** @return true once the worker should finish its batch and stop. */
        boolean isStopping();

        /** A model-wide or Kafka failure: stop every worker. */
        void fail(Throwable cause);
    }

    /** What the worker needs from the engine's configuration. */
    static final class WorkerSettings {
        final List<String> inputTopics;
        final String outputTopic;
        final String deadLetterTopic;
        final String shadowTopic; // null: none
        final int maxBatchSize;
        final int maxRecordBytes;
        final Duration pollTimeout;
        final int outputPartitions; // 0 = partition by key
        final boolean transactional;
        final int outputMaxBytes;
        final int deadLetterMaxBytes;
        final RetryBackoff retryBackoff;
        final Duration commitInterval;
        final PredictionEncoder<byte[]> encoder;

        private WorkerSettings(Builder b) {
            this.inputTopics = List.copyOf(b.inputTopics);
            this.outputTopic = b.outputTopic;
            this.deadLetterTopic = b.deadLetterTopic;
            this.shadowTopic = b.shadowTopic;
            this.maxBatchSize = b.maxBatchSize;
            this.maxRecordBytes = b.maxRecordBytes;
            this.pollTimeout = b.pollTimeout;
            this.outputPartitions = b.outputPartitions;
            this.transactional = b.transactional;
            this.outputMaxBytes = b.outputMaxBytes;
            this.deadLetterMaxBytes = b.deadLetterMaxBytes;
            this.retryBackoff = b.retryBackoff;
            this.commitInterval = b.commitInterval;
            this.encoder = b.encoder;
        }

        /**
         * @return a builder for the settings of these topics; the engine sets every other one from its configuration
         *     (defaults live there, once), and {@link Builder#build()} refuses a missing one
         */
        static Builder builder(List<String> inputTopics, String outputTopic, String deadLetterTopic) {
            return new Builder(inputTopics, outputTopic, deadLetterTopic);
        }

        /** Named settings instead of thirteen positional ones. Thread safety: not thread-safe; build on one thread. */
        static final class Builder {
            private final List<String> inputTopics;
            private final String outputTopic;
            private final String deadLetterTopic;
            private String shadowTopic;
            private int maxBatchSize;
            private int maxRecordBytes;
            private Duration pollTimeout;
            private int outputPartitions;
            private boolean transactional;
            private int outputMaxBytes;
            private int deadLetterMaxBytes;
            private RetryBackoff retryBackoff;
            private Duration commitInterval;
            private PredictionEncoder<byte[]> encoder = new JsonPredictionEncoder();

            private Builder(List<String> inputTopics, String outputTopic, String deadLetterTopic) {
                this.inputTopics = inputTopics;
                this.outputTopic = outputTopic;
                this.deadLetterTopic = deadLetterTopic;
            }

            /** The topic of shadow versions' predictions; null (the default) for none. */
            Builder shadowTopic(String topic) {
                this.shadowTopic = topic;
                return this;
            }

            Builder maxBatchSize(int records) {
                this.maxBatchSize = records;
                return this;
            }

            /** Larger values are dead-lettered undecoded. */
            Builder maxRecordBytes(int bytes) {
                this.maxRecordBytes = bytes;
                return this;
            }

            Builder pollTimeout(Duration timeout) {
                this.pollTimeout = timeout;
                return this;
            }

            /** Outputs go to the input's partition modulo this; 0 (the default) partitions by key. */
            Builder outputPartitions(int partitions) {
                this.outputPartitions = partitions;
                return this;
            }

            /** Exactly-once: outputs and offsets in one transaction per commit interval. */
            Builder transactional(boolean transactional) {
                this.transactional = transactional;
                return this;
            }

            /** The largest record the output and dead-letter topics (and the producer) accept. */
            Builder maxBytes(int output, int deadLetter) {
                this.outputMaxBytes = output;
                this.deadLetterMaxBytes = deadLetter;
                return this;
            }

            Builder retryBackoff(RetryBackoff backoff) {
                this.retryBackoff = backoff;
                return this;
            }

            Builder commitInterval(Duration interval) {
                this.commitInterval = interval;
                return this;
            }

            /** How predictions are written ({@code output.codec}); JSON unless set. */
            Builder encoder(PredictionEncoder<byte[]> encoder) {
                this.encoder = encoder;
                return this;
            }

            /** @throws IllegalStateException naming a setting that was not given */
            WorkerSettings build() {
                if (maxBatchSize < 1 || maxRecordBytes < 1 || outputMaxBytes < 1 || deadLetterMaxBytes < 1
                        || pollTimeout == null || retryBackoff == null || commitInterval == null) {
                    throw new IllegalStateException("worker settings need maxBatchSize, maxRecordBytes, maxBytes, "
                            + "pollTimeout, retryBackoff and commitInterval");
                }
                return new WorkerSettings(this);
            }
        }
    }

    /**
     * @param slot this worker's index: picks its own instance of a model that is not thread-safe
     */
    InferenceWorker(String name, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
            DeploymentManager deployments, int slot, WorkerSettings settings, EngineMetrics metrics, Host engine) {
        this(name, consumer, producer, deployments, slot, settings, metrics, engine, new ModelMonitor(null, null));
    }

    /**
     * @param monitor told of every scored batch (label join, drift), when it is active
     */
    InferenceWorker(String name, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
            DeploymentManager deployments, int slot, WorkerSettings settings, EngineMetrics metrics, Host engine,
            ModelMonitor monitor) {
        this.monitor = monitor;
        this.name = name;
        this.consumer = consumer;
        this.producer = producer;
        this.deployments = deployments;
        this.pipeline = scoringPipeline(slot, settings, deployments, metrics);
        this.settings = settings;
        this.deadLetters = new DeadLetterRecords(settings.deadLetterTopic, settings.deadLetterMaxBytes);
        this.outputs = new OutputRecords(settings.outputTopic, settings.shadowTopic, settings.outputPartitions,
                settings.outputMaxBytes);
        this.metrics = metrics;
        this.engine = engine;
        this.commits = settings.transactional
                ? new TransactionalCommits(name, consumer, producer, settings.commitInterval, metrics, writeFailure)
                : new AtLeastOnceCommits(name, consumer, producer, settings.commitInterval, metrics, writeFailure);
        // Only real clients have metrics to bind; mock ones in unit tests have none.
        // A worker's consumer and producer share one client.id: a tag tells their common meters (app-info) apart.
        if (consumer instanceof KafkaConsumer) {
            clientMetrics.add(metrics.bindClient(scheduler -> new KafkaClientMetrics(consumer,
                    Tags.of("client", "consumer"), scheduler, EngineMetrics.clientMetricsRefresh())));
        }
        if (producer instanceof KafkaProducer) {
            clientMetrics.add(metrics.bindClient(scheduler -> new KafkaClientMetrics(producer,
                    Tags.of("client", "producer"), scheduler, EngineMetrics.clientMetricsRefresh())));
        }
    }

    /**
     * @return a worker's scoring pipeline: every model call timed, and a remote model's retries and breaker joined to
     *     the engine's meters
     */
    static ScoringPipeline<byte[]> scoringPipeline(int slot, WorkerSettings settings, DeploymentManager deployments,
            EngineMetrics metrics) {
        return new ScoringPipeline<>(slot, settings.maxBatchSize, settings.maxRecordBytes, deployments.traffic(),
                settings.encoder, model -> {
                    metrics.bindModel(model); // a remote model's retries and breaker join the engine's meters
                    return new TimedModel(model, metrics.modelCallTimer(model.info().name(), model.info().version()));
                });
    }

    @Override
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            if (settings.transactional) {
                producer.initTransactions();
            }
            consumer.subscribe(settings.inputTopics, new ConsumerRebalanceListener() {
                // Everything written is committed before partitions move (a graceful rebalance repeats nothing),
                // except a batch held for a retry: it gives up the records of partitions it no longer owns.
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    metrics.assignedPartitionsCounter().addAndGet(-partitions.size());
                    if (!finished && !partitions.isEmpty()) {
                        commits.partitionsRevoked(partitions);
                    }
                    dropHeld(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    metrics.assignedPartitionsCounter().addAndGet(partitions.size());
                    if (held != null && !partitions.isEmpty()) {
                        // A partition's paused state does not survive its revocation (all of them, under the eager
                        // protocol): pause what comes in until the held batch is scored.
                        consumer.pause(partitions);
                    }
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    metrics.assignedPartitionsCounter().addAndGet(-partitions.size());
                    if (!finished && !partitions.isEmpty()) {
                        Set<TopicPartition> kept = new HashSet<>(consumer.assignment());
                        kept.removeAll(partitions);
                        commits.partitionsLost(partitions, kept);
                    }
                    dropHeld(partitions);
                }
            });
            while (!engine.isStopping()) {
                CommitPolicy.checkWrites(writeFailure);
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(settings.pollTimeout);
                } catch (WakeupException e) {
                    continue;
                }
                if (!records.isEmpty()) {
                    process(records);
                }
                commits.maybeCommit();
            }
            // A graceful stop: wait for the outputs in flight and commit them, so a restart repeats nothing.
            commits.commitAll();
        } catch (ModelFailureException e) {
            LOG.error("{}: the model failed, stopping without committing the current batch; its records will be "
                    + "consumed again after a restart: {}", name, e.getMessage(), e);
            commits.abandon();
            engine.fail(e);
        } catch (RuntimeException e) {
            LOG.error("{}: stopping without committing the current batch: {}", name, e.toString(), e);
            commits.abandon();
            engine.fail(e);
        } finally {
            finished = true;
            closeQuietly();
        }
    }

    /** Scores a polled batch and sends its outputs; the commit policy commits them once they are acknowledged. */
    private void process(ConsumerRecords<byte[], byte[]> records) throws ModelFailureException {
        long polledAtNanos = System.nanoTime();
        List<ConsumerRecord<byte[], byte[]>> polled = new ArrayList<>(records.count());
        records.forEach(polled::add);
        metrics.countRecordsIn(polled.size());

        ScoredBatch<byte[]> scored = scoreUntilAnswered(polled);
        if (scored == null) {
            return; // given up uncommitted: the engine is stopping, or every partition of the batch moved away
        }
        if (monitor.active()) {
            monitor.onScored(scored);
        }

        commits.beforeWrites();
        AcknowledgedOffsets.Batch acks = commits.written(polled, polled.size() + scored.shadows().size());
        for (int i = 0; i < polled.size(); i++) {
            ConsumerRecord<byte[], byte[]> in = polled.get(i);
            ScoredRecord<byte[]> outcome = scored.outcomes().get(i);
            if (!outcome.ok()) {
                sendDeadLetter(in, outcome.version(), outcome.stage(), outcome.error(), acks);
            } else if (outputs.tooLarge(in, outcome)) {
                // A prediction the output topic would refuse would fail the batch on every retry: dead-letter it.
                sendDeadLetter(in, outcome.version(), DeadLetterHeaders.STAGE_OUTPUT, outputs.tooLargeError(outcome),
                        acks);
            } else {
                sendPrediction(in, outcome, polledAtNanos, acks);
            }
        }
        for (ScoredRecord<byte[]> shadow : scored.shadows()) {
            sendShadow(polled.get(shadow.index()), shadow, acks);
        }
        metrics.countBatch(polled.size());
    }

    /**
     * Scores the batch, holding it and trying again while the model cannot answer now.
     *
     * @param polled the batch; records of partitions revoked while it is held are removed from it
     * @return the scored batch (of the records still in {@code polled}), or null if it was given up
     */
    private ScoredBatch<byte[]> scoreUntilAnswered(List<ConsumerRecord<byte[], byte[]>> polled)
            throws ModelFailureException {
        long heldSinceNanos = 0;
        int attempts = 0;
        while (true) {
            ScoringAttempt attempt = ScoringAttempt.make(deployments, pipeline, metrics, polled);
            String modelName = attempt.modelName();
            if (attempt.answered()) {
                if (attempts > 0) {
                    endHold();
                    LOG.info("{}: model {} answered again after {} ms and {} failed attempt(s); resuming, then writing "
                            + "and committing the held batch of {} record(s)", name, modelName,
                            (System.nanoTime() - heldSinceNanos) / 1_000_000, attempts, polled.size());
                }
                return attempt.scored();
            }
            RetriableInferenceException notNow = attempt.notNow();
            attempts++;
            if (attempts == 1) {
                // What was written before this batch is complete: make it durable before a wait of unknown length
                // (an open transaction would otherwise run into its timeout).
                commits.commitAll();
                heldSinceNanos = System.nanoTime();
                held = polled;
                consumer.pause(consumer.assignment());
                LOG.warn("{}: model {} could not answer now ({}); holding the batch of {} record(s) uncommitted, "
                        + "pausing {} partition(s) and retrying with backoff from {} ms up to {} ms", name, modelName,
                        notNow.getMessage(), polled.size(), consumer.assignment().size(),
                        settings.retryBackoff.initialMs(), settings.retryBackoff.maxMs());
            } else if (LOG.isDebugEnabled()) {
                LOG.debug("{}: attempt {} failed: {}", name, attempts, notNow.getMessage());
            }
            if (!waitPolling(settings.retryBackoff.delayMs(attempts, notNow.retryAfter()), polled)) {
                endHold();
                LOG.info("{}: gave up the held batch after {} ms and {} failed attempt(s), nothing of it committed: {}",
                        name, (System.nanoTime() - heldSinceNanos) / 1_000_000, attempts, engine.isStopping()
                                ? "the engine is stopping"
                                : "its partitions were revoked (their new owner reads them)");
                return null;
            }
        }
    }

    /**
     * Polls the paused partitions until the delay has passed, which keeps the consumer in its group.
     *
     * @return false if the held batch should be given up: the engine is stopping, or no record of it is left
     */
    private boolean waitPolling(long delayMs, List<ConsumerRecord<byte[], byte[]>> polled) {
        long deadline = System.nanoTime() + delayMs * 1_000_000;
        boolean polledOnce = false;
        while (true) {
            if (engine.isStopping() || polled.isEmpty()) {
                return false;
            }
            long leftNanos = deadline - System.nanoTime();
            if (leftNanos <= 0 && polledOnce) {
                return true;
            }
            // At least one poll per wait, however short: it runs any rebalance before the next attempt.
            polledOnce = true;
            ConsumerRecords<byte[], byte[]> records;
            try {
                long pollNanos = Math.max(0, Math.min(leftNanos, settings.pollTimeout.toNanos()));
                records = consumer.poll(Duration.ofNanos(pollNanos));
            } catch (WakeupException e) {
                continue; // close() or another worker's failure: the loop checks isStopping
            }
            if (!records.isEmpty()) {
                rewind(records);
            }
        }
    }

    /**
     * Should a poll return records while a batch is held (a partition that escaped pausing), puts them back: the
     * consumer reads them again after the held batch, in order.
     */
    private void rewind(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            consumer.seek(tp, records.records(tp).get(0).offset());
            consumer.pause(List.of(tp));
        }
    }

    private void dropHeld(Collection<TopicPartition> partitions) {
        if (held == null || partitions.isEmpty()) {
            return;
        }
        Set<TopicPartition> gone = new HashSet<>(partitions);
        int before = held.size();
        held.removeIf(r -> gone.contains(new TopicPartition(r.topic(), r.partition())));
        if (held.size() < before) {
            LOG.info("{}: partitions {} were revoked while a batch was held; {} of its record(s) left it uncommitted, "
                    + "{} remain", name, partitions, before - held.size(), held.size());
        }
    }

    private void endHold() {
        held = null;
        Set<TopicPartition> paused = new HashSet<>(consumer.paused());
        paused.retainAll(consumer.assignment()); // a revoked partition cannot be resumed (nor needs to be)
        consumer.resume(paused);
    }

    private void sendPrediction(ConsumerRecord<byte[], byte[]> in, ScoredRecord<byte[]> outcome, long polledAtNanos,
            AcknowledgedOffsets.Batch acks) {
        DeployedVersion version = outcome.version();
        ProducerRecord<byte[], byte[]> out = outputs.prediction(in, outcome);
        long timestamp = in.timestamp();
        String modelName = version.info().name();
        String versionName = version.info().version();
        producer.send(out, (meta, e) -> {
            if (e != null) {
                writeFailure.compareAndSet(null, e);
                return;
            }
            acks.acknowledged();
            // Clock skew between the record's producer and this machine must not give a negative latency.
            metrics.countPrediction(modelName, versionName, System.nanoTime() - polledAtNanos,
                    timestamp > 0 ? Math.max(0, System.currentTimeMillis() - timestamp) : -1);
        });
    }

    private void sendShadow(ConsumerRecord<byte[], byte[]> in, ScoredRecord<byte[]> shadow,
            AcknowledgedOffsets.Batch acks) {
        producer.send(outputs.shadow(in, shadow), (meta, e) -> {
                    if (e != null) {
                        writeFailure.compareAndSet(null, e);
                    } else {
                        acks.acknowledged();
                        metrics.countShadowPrediction(shadow.version().info().name(),
                                shadow.version().info().version());
                    }
                });
    }

    private void sendDeadLetter(ConsumerRecord<byte[], byte[]> in, DeployedVersion version, String stage,
            Exception error, AcknowledgedOffsets.Batch acks) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {}-{}@{} to the dead-letter topic at stage {}: {}", name, in.topic(), in.partition(),
                    in.offset(), stage, error.getMessage());
        }
        String modelName = version.info().name();
        String versionName = version.info().version();
        producer.send(deadLetters.of(in, stage, error, version.info()), (meta, e) -> {
            if (e != null) {
                writeFailure.compareAndSet(null, e);
            } else {
                acks.acknowledged();
                metrics.countDeadLetter(modelName, versionName, stage);
            }
        });
    }

    @Override
    public void closeUnstarted() {
        closeQuietly();
    }

    private void closeQuietly() {
        // Unbind first: the binders' meters read the clients, and would linger after them.
        clientMetrics.forEach(KafkaClientMetrics::close);
        clientMetrics.clear();
        try {
            consumer.close(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the consumer: {}", name, e.toString());
        }
        try {
            producer.close(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the producer: {}", name, e.toString());
        }
    }
}
