package io.inferstream.engine;

import io.inferstream.deploy.DeployedVersion;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.ScoringPipeline;
import io.inferstream.model.ModelFailureException;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker thread's consume → decode → predict → produce → commit loop, with its own consumer and producer.
 *
 * <p>Each poll is one micro-batch, scored by the {@link ScoringPipeline} against the deployment snapshot current when
 * the batch starts (so a swap never splits a batch): records are decoded, routed to a version, the good ones scored
 * in as few model calls as the batch size allows, and every record is written as a prediction or a dead letter in
 * poll order (so per-partition order holds); shadow predictions go to the shadow topic. Offsets are committed only after the producer has acknowledged every one of those writes: at-least-once,
 * and nothing is lost. A model-wide failure or a failed write ends the loop without committing that batch.
 *
 * <p>Thread safety: confined to its own thread, except {@link #wakeup()}, which any thread may call.
 */
final class InferenceWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class);

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final DeploymentManager deployments;
    private final ScoringPipeline pipeline;
    private final WorkerSettings settings;
    private final DeadLetterRecords deadLetters;
    private final EngineMetrics metrics;
    private final Host engine;
    /** Micrometer's view of the Kafka clients' own metrics (records-lag per partition, request rates, ...). */
    private final List<KafkaClientMetrics> clientMetrics = new ArrayList<>();

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

        WorkerSettings(List<String> inputTopics, String outputTopic, String deadLetterTopic, String shadowTopic,
                int maxBatchSize, int maxRecordBytes, Duration pollTimeout, int outputPartitions, boolean transactional,
                int outputMaxBytes, int deadLetterMaxBytes) {
            this.outputMaxBytes = outputMaxBytes;
            this.deadLetterMaxBytes = deadLetterMaxBytes;
            this.inputTopics = inputTopics;
            this.outputTopic = outputTopic;
            this.deadLetterTopic = deadLetterTopic;
            this.shadowTopic = shadowTopic;
            this.maxBatchSize = maxBatchSize;
            this.maxRecordBytes = maxRecordBytes;
            this.pollTimeout = pollTimeout;
            this.outputPartitions = outputPartitions;
            this.transactional = transactional;
        }
    }

    /**
     * @param slot this worker's index: picks its own instance of a model that is not thread-safe
     */
    InferenceWorker(String name, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
            DeploymentManager deployments, int slot, WorkerSettings settings, EngineMetrics metrics, Host engine) {
        this.name = name;
        this.consumer = consumer;
        this.producer = producer;
        this.deployments = deployments;
        this.pipeline = new ScoringPipeline(slot, settings.maxBatchSize, settings.maxRecordBytes, deployments.traffic(),
                model -> new TimedModel(model, metrics.modelCallTimer(model.info().name(), model.info().version())));
        this.settings = settings;
        this.deadLetters = new DeadLetterRecords(settings.deadLetterTopic, settings.deadLetterMaxBytes);
        this.metrics = metrics;
        this.engine = engine;
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

    /** Interrupts a blocking poll so the loop notices that the engine is stopping. */
    void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            if (settings.transactional) {
                producer.initTransactions();
            }
            consumer.subscribe(settings.inputTopics, new ConsumerRebalanceListener() {
                // Batches are committed before the next poll, so nothing is in flight when partitions move:
                // the listener only keeps the metrics' count of assigned partitions.
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    metrics.assignedPartitionsCounter().addAndGet(-partitions.size());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    metrics.assignedPartitionsCounter().addAndGet(partitions.size());
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    metrics.assignedPartitionsCounter().addAndGet(-partitions.size());
                }
            });
            while (!engine.isStopping()) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(settings.pollTimeout);
                } catch (WakeupException e) {
                    continue;
                }
                if (!records.isEmpty()) {
                    processAndCommit(records);
                }
            }
        } catch (ModelFailureException e) {
            LOG.error("{}: the model failed, stopping without committing the current batch; its records will be "
                    + "consumed again after a restart: {}", name, e.getMessage(), e);
            engine.fail(e);
        } catch (RuntimeException e) {
            LOG.error("{}: stopping without committing the current batch: {}", name, e.toString(), e);
            engine.fail(e);
        } finally {
            closeQuietly();
        }
    }

    private void processAndCommit(ConsumerRecords<byte[], byte[]> records) throws ModelFailureException {
        long polledAtNanos = System.nanoTime();
        List<ConsumerRecord<byte[], byte[]>> polled = new ArrayList<>(records.count());
        records.forEach(polled::add);
        metrics.countRecordsIn(polled.size());

        List<byte[]> keys = new ArrayList<>(polled.size());
        List<byte[]> values = new ArrayList<>(polled.size());
        for (ConsumerRecord<byte[], byte[]> r : polled) {
            keys.add(r.key());
            values.add(r.value());
        }
        // One snapshot for the whole batch; released once scored, so a retired version closes after this batch.
        Deployment deployment = deployments.acquire();
        ScoringPipeline.Result scored;
        String modelName = deployment.serving().get(0).info().name();
        try {
            scored = pipeline.score(deployment, keys, values);
        } finally {
            deployment.release();
        }
        metrics.countModelCalls(pipeline.modelCallsAndReset());
        metrics.countShadowFailures(modelName, scored.shadowFailures());

        if (settings.transactional) {
            producer.beginTransaction();
        }
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        for (int i = 0; i < polled.size(); i++) {
            ConsumerRecord<byte[], byte[]> in = polled.get(i);
            ScoringPipeline.Outcome outcome = scored.outcomes().get(i);
            if (!outcome.ok()) {
                sendDeadLetter(in, outcome.version(), outcome.stage(), outcome.error(), sendFailure);
            } else if (tooLargeForOutput(in, outcome)) {
                // A prediction the output topic would refuse would fail the batch on every retry: dead-letter it.
                sendDeadLetter(in, outcome.version(), DeadLetterHeaders.STAGE_OUTPUT, new IllegalStateException(
                        "the prediction is " + outcome.prediction().length + " bytes, more than the output topic "
                        + settings.outputTopic + " accepts (" + settings.outputMaxBytes + " bytes with headers)"),
                        sendFailure);
            } else {
                sendPrediction(in, outcome, polledAtNanos, sendFailure);
            }
        }
        for (ScoringPipeline.ShadowOutcome shadow : scored.shadows()) {
            sendShadow(polled.get(shadow.index()), shadow, sendFailure);
        }
        producer.flush();
        if (sendFailure.get() != null) {
            if (settings.transactional) {
                producer.abortTransaction();
            }
            throw new KafkaException("a prediction or dead letter could not be written, so the batch is not "
                    + "committed: " + sendFailure.get(), sendFailure.get());
        }
        if (settings.transactional) {
            // Outputs and offsets commit or abort together: read_committed readers see each outcome once.
            producer.sendOffsetsToTransaction(offsetsAfter(polled), consumer.groupMetadata());
            producer.commitTransaction();
            metrics.countCommit();
        } else {
            commit(polled);
        }
        metrics.countBatch(polled.size());
    }

    private void sendPrediction(ConsumerRecord<byte[], byte[]> in, ScoringPipeline.Outcome outcome, long polledAtNanos,
            AtomicReference<Exception> failure) {
        DeployedVersion version = outcome.version();
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(settings.outputTopic, outputPartition(in), in.key(),
                outcome.prediction(), modelHeaders(version));
        long timestamp = in.timestamp();
        String modelName = version.info().name();
        String versionName = version.info().version();
        producer.send(out, (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
                return;
            }
            // Clock skew between the record's producer and this machine must not give a negative latency.
            metrics.countPrediction(modelName, versionName, System.nanoTime() - polledAtNanos,
                    timestamp > 0 ? Math.max(0, System.currentTimeMillis() - timestamp) : -1);
        });
    }

    /** Shadow predictions follow the output's partitioning, so a shadow topic lines up with the output topic. */
    private void sendShadow(ConsumerRecord<byte[], byte[]> in, ScoringPipeline.ShadowOutcome shadow,
            AtomicReference<Exception> failure) {
        producer.send(new ProducerRecord<>(settings.shadowTopic, outputPartition(in), in.key(), shadow.prediction(),
                modelHeaders(shadow.version())), (meta, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        metrics.countShadowPrediction(shadow.version().info().name(),
                                shadow.version().info().version());
                    }
                });
    }

    private boolean tooLargeForOutput(ConsumerRecord<byte[], byte[]> in, ScoringPipeline.Outcome outcome) {
        // Cheap test first: almost every prediction is far below the limit.
        return outcome.prediction().length + (in.key() == null ? 0 : in.key().length) > settings.outputMaxBytes / 2
                && DeadLetterRecords.sizeOf(in.key(), outcome.prediction(), modelHeaders(outcome.version()))
                        > settings.outputMaxBytes;
    }

    private Integer outputPartition(ConsumerRecord<byte[], byte[]> in) {
        return settings.outputPartitions > 0 ? in.partition() % settings.outputPartitions : null;
    }

    private static Headers modelHeaders(DeployedVersion version) {
        Headers headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.MODEL_NAME, version.nameHeader());
        headers.add(DeadLetterHeaders.MODEL_VERSION, version.versionHeader());
        return headers;
    }

    private void sendDeadLetter(ConsumerRecord<byte[], byte[]> in, DeployedVersion version, String stage,
            Exception error, AtomicReference<Exception> failure) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {}-{}@{} to the dead-letter topic at stage {}: {}", name, in.topic(), in.partition(),
                    in.offset(), stage, error.getMessage());
        }
        String modelName = version.info().name();
        String versionName = version.info().version();
        producer.send(deadLetters.of(in, stage, error, version.nameHeader(), version.versionHeader()), (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                metrics.countDeadLetter(modelName, versionName, stage);
            }
        });
    }

    /** @return for each partition in the batch, the offset after its last record. */
    private static Map<TopicPartition, OffsetAndMetadata> offsetsAfter(List<ConsumerRecord<byte[], byte[]>> polled) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : polled) {
            offsets.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return offsets;
    }

    private void commit(List<ConsumerRecord<byte[], byte[]>> polled) {
        Map<TopicPartition, OffsetAndMetadata> offsets = offsetsAfter(polled);
        while (true) {
            try {
                consumer.commitSync(offsets);
                break;
            } catch (WakeupException e) {
                // close() or another worker's failure woke us mid-commit. The outputs are written, so the commit
                // must still happen; retry until it does (each wake-up is spent by the exception it causes).
                LOG.debug("{}: woken during commit, committing again", name);
            }
        }
        metrics.countCommit();
    }

    /** Closes the Kafka clients of a worker whose thread never started (a failed engine start). */
    void closeUnstarted() {
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
