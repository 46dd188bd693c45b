package io.inferstream.engine;

import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
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
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker thread's loop on a Kafka <em>share group</em> (KIP-932, {@code group.type=share}): any number of workers
 * and engine instances read the same partitions, each record acquired by one of them, so a topic with fewer
 * partitions than consumers still spreads its records over all of them.
 *
 * <p>Every record gets an explicit acknowledgement ({@code share.acknowledgement.mode=explicit}), only once its
 * fate is settled:
 * <ul>
 *   <li>{@code ACCEPT} once its prediction, or its dead letter (a bad record: decode, validate, predict or output
 *       stage, as on a consumer group), is acknowledged by the broker. A bad record is accepted, not rejected:
 *       {@code REJECT} would archive it with no trace of why, while the dead-letter topic holds it with the reason.
 *   <li>{@code RELEASE} when the model cannot answer now ({@link RetriableInferenceException}) for longer than half
 *       the group's record lock: until then the worker holds the batch and retries it with backoff (as a consumer
 *       group worker does, and without spending a delivery); then it gives the records back for redelivery, to
 *       itself or another worker, and waits out its backoff before it polls again. Also on a model-wide failure or
 *       a failed write, which stop the engine.
 *   <li>A record delivered for the group's last time ({@code share.delivery.count.limit}: its earlier deliveries
 *       ended in a crash, a stop, a lock timeout or releases) is dead-lettered with stage {@code delivery} instead of
 *       scored once more, then accepted: the broker would archive it after this delivery, and a record that crashes
 *       its consumers must end somewhere visible.
 * </ul>
 *
 * <p>What differs from a consumer group: no ordering (records of one partition are scored by many workers at once,
 * and redelivered ones come later); no exactly-once (share groups have no transactional acknowledgement); each batch
 * waits for its writes before it is acknowledged (the share consumer's next poll needs every record of the last one
 * acknowledged), so a worker has one batch in flight. Hot swap, routing (sticky by key), shadows, monitoring and
 * metrics work as on a consumer group.
 *
 * <p>Thread safety: confined to its own thread, except {@link #wakeup()}, which any thread may call.
 */
final class ShareGroupWorker implements EngineWorker {
    private static final Logger LOG = LoggerFactory.getLogger(ShareGroupWorker.class);
    /** Longest sleep between checks that the engine is stopping, while backing off. */
    private static final long SLEEP_SLICE_MS = 100;

    private final String name;
    private final ShareConsumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final DeploymentManager deployments;
    private final ScoringPipeline<byte[]> pipeline;
    private final InferenceWorker.WorkerSettings settings;
    private final ShareGroupLimits limits;
    private final DeadLetterRecords deadLetters;
    private final OutputRecords outputs;
    private final EngineMetrics metrics;
    private final InferenceWorker.Host engine;
    private final ModelMonitor monitor;
    private final List<KafkaClientMetrics> clientMetrics = new ArrayList<>();
    /** The first write that failed, set by the producer's callbacks. */
    private final AtomicReference<Exception> writeFailure = new AtomicReference<>();
    /** Records of the current poll not acknowledged yet: released if the loop ends before their fate is settled. */
    private final Set<ConsumerRecord<byte[], byte[]>> unsettled = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Failed attempts of the model since it last answered: the backoff keeps growing across releases. */
    private int failedAttempts;
    private boolean counted;

    ShareGroupWorker(String name, ShareConsumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer,
            DeploymentManager deployments, int slot, InferenceWorker.WorkerSettings settings, ShareGroupLimits limits,
            EngineMetrics metrics, InferenceWorker.Host engine, ModelMonitor monitor) {
        this.name = name;
        this.consumer = consumer;
        this.producer = producer;
        this.deployments = deployments;
        this.settings = settings;
        this.limits = limits;
        this.metrics = metrics;
        this.engine = engine;
        this.monitor = monitor;
        this.pipeline = InferenceWorker.scoringPipeline(slot, settings, deployments, metrics);
        this.deadLetters = new DeadLetterRecords(settings.deadLetterTopic, settings.deadLetterMaxBytes);
        this.outputs = new OutputRecords(settings.outputTopic, settings.shadowTopic, settings.outputPartitions,
                settings.outputMaxBytes);
        if (producer instanceof KafkaProducer) {
            // Micrometer's Kafka binder knows consumers, producers and admin clients, not share consumers.
            clientMetrics.add(metrics.bindClient(scheduler -> new KafkaClientMetrics(producer,
                    Tags.of("client", "producer"), scheduler, EngineMetrics.clientMetricsRefresh())));
        }
    }

    @Override
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(settings.inputTopics);
            while (!engine.isStopping()) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(settings.pollTimeout);
                } catch (WakeupException e) {
                    continue;
                }
                if (!counted) {
                    // Readiness counts assigned partitions; a share group has no exclusive assignment, so a worker
                    // that polled counts as one.
                    counted = true;
                    metrics.assignedPartitionsCounter().incrementAndGet();
                }
                if (!records.isEmpty()) {
                    process(records);
                }
            }
        } catch (ModelFailureException e) {
            LOG.error("{}: the model failed; releasing the current batch for redelivery and stopping: {}", name,
                    e.getMessage(), e);
            engine.fail(e);
        } catch (RuntimeException e) {
            LOG.error("{}: releasing the current batch for redelivery and stopping: {}", name, e.toString(), e);
            engine.fail(e);
        } finally {
            acknowledge(List.copyOf(unsettled), AcknowledgeType.RELEASE);
            closeQuietly();
        }
    }

    private void process(ConsumerRecords<byte[], byte[]> records) throws ModelFailureException {
        long polledAtNanos = System.nanoTime();
        List<ConsumerRecord<byte[], byte[]>> toScore = new ArrayList<>(records.count());
        List<ConsumerRecord<byte[], byte[]>> lastDelivery = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            unsettled.add(r);
            if (r.deliveryCount().orElse((short) 1) >= limits.deliveryCountLimit) {
                lastDelivery.add(r);
            } else {
                toScore.add(r);
            }
        }
        metrics.countRecordsIn(records.count());

        ScoredBatch<byte[]> scored = toScore.isEmpty() ? null : scoreOrRelease(toScore, polledAtNanos);
        List<ConsumerRecord<byte[], byte[]>> written = new ArrayList<>(lastDelivery);
        if (!lastDelivery.isEmpty()) {
            sendLastDeliveryDeadLetters(lastDelivery);
        }
        if (scored != null) {
            written.addAll(toScore);
            if (monitor.active()) {
                monitor.onScored(scored);
            }
            send(toScore, scored, polledAtNanos);
        }
        if (written.isEmpty()) {
            return;
        }
        // The next poll needs every record of this one acknowledged, and a record is accepted only once its output
        // is durable: wait for this batch's writes.
        producer.flush();
        CommitPolicy.checkWrites(writeFailure); // throws: the run loop releases what is unsettled
        acknowledge(written, AcknowledgeType.ACCEPT);
        metrics.countBatch(written.size());
    }

    /**
     * Scores the batch, holding it and retrying with backoff while the model cannot answer now, for as long as
     * half the record lock allows; then releases it.
     *
     * @return the scored batch, or null if it was released (or the engine is stopping)
     */
    private ScoredBatch<byte[]> scoreOrRelease(List<ConsumerRecord<byte[], byte[]>> batch, long polledAtNanos)
            throws ModelFailureException {
        long lockMs = consumer.acquisitionLockTimeoutMs().map(Integer::longValue).orElse(limits.recordLockDurationMs);
        long holdUntilNanos = polledAtNanos + lockMs / 2 * 1_000_000;
        while (true) {
            ScoringAttempt attempt = ScoringAttempt.make(deployments, pipeline, metrics, batch);
            String modelName = attempt.modelName();
            if (attempt.answered()) {
                if (failedAttempts > 0) {
                    LOG.info("{}: model {} answered again after {} failed attempt(s)", name, modelName, failedAttempts);
                    failedAttempts = 0;
                }
                return attempt.scored();
            }
            RetriableInferenceException notNow = attempt.notNow();
            failedAttempts++;
            long delayMs = settings.retryBackoff.delayMs(failedAttempts, notNow.retryAfter());
            if (failedAttempts == 1) {
                LOG.warn("{}: model {} could not answer now ({}); retrying the batch of {} record(s) with backoff "
                        + "from {} ms up to {} ms, releasing it for redelivery if that outlasts half the record lock "
                        + "({} ms)", name, modelName, notNow.getMessage(), batch.size(),
                        settings.retryBackoff.initialMs(), settings.retryBackoff.maxMs(), lockMs);
            }
            if (System.nanoTime() + delayMs * 1_000_000 > holdUntilNanos || engine.isStopping()) {
                acknowledge(batch, AcknowledgeType.RELEASE);
                LOG.info("{}: released {} record(s) for redelivery after {} failed attempt(s) of model {}", name,
                        batch.size(), failedAttempts, modelName);
                // Acknowledgements ride on the next poll: send them now, so another worker can take the records
                // while this one waits.
                consumer.commitAsync();
                sleep(delayMs);
                return null;
            }
            sleep(delayMs);
        }
    }

    private void send(List<ConsumerRecord<byte[], byte[]>> batch, ScoredBatch<byte[]> scored, long polledAtNanos) {
        for (int i = 0; i < batch.size(); i++) {
            ConsumerRecord<byte[], byte[]> in = batch.get(i);
            ScoredRecord<byte[]> outcome = scored.outcomes().get(i);
            if (!outcome.ok()) {
                sendDeadLetter(in, outcome.version().info(), outcome.stage(), outcome.error());
            } else if (outputs.tooLarge(in, outcome)) {
                sendDeadLetter(in, outcome.version().info(), DeadLetterHeaders.STAGE_OUTPUT,
                        outputs.tooLargeError(outcome));
            } else {
                sendPrediction(in, outcome, polledAtNanos);
            }
        }
        for (ScoredRecord<byte[]> shadow : scored.shadows()) {
            ModelInfo info = shadow.version().info();
            producer.send(outputs.shadow(batch.get(shadow.index()), shadow), (meta, e) -> {
                if (e != null) {
                    writeFailure.compareAndSet(null, e);
                } else {
                    metrics.countShadowPrediction(info.name(), info.version());
                }
            });
        }
    }

    private void sendPrediction(ConsumerRecord<byte[], byte[]> in, ScoredRecord<byte[]> outcome, long polledAtNanos) {
        ModelInfo info = outcome.version().info();
        long timestamp = in.timestamp();
        producer.send(outputs.prediction(in, outcome), (meta, e) -> {
            if (e != null) {
                writeFailure.compareAndSet(null, e);
                return;
            }
            metrics.countPrediction(info.name(), info.version(), System.nanoTime() - polledAtNanos,
                    timestamp > 0 ? Math.max(0, System.currentTimeMillis() - timestamp) : -1);
        });
    }

    private void sendLastDeliveryDeadLetters(List<ConsumerRecord<byte[], byte[]>> records) {
        Deployment deployment = deployments.acquire();
        try {
            ModelInfo info = deployment.serving().get(0).info();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                LOG.warn("{}: {}-{}@{} is on its delivery {} of {} ({}); dead-lettering it instead of scoring it "
                        + "again", name, r.topic(), r.partition(), r.offset(), r.deliveryCount().orElse((short) 0),
                        limits.deliveryCountLimit, ShareGroupLimits.DELIVERY_COUNT_LIMIT);
                sendDeadLetter(r, info, DeadLetterHeaders.STAGE_DELIVERY, new IllegalStateException("delivered "
                        + r.deliveryCount().orElse((short) 0) + " times, the share group's "
                        + ShareGroupLimits.DELIVERY_COUNT_LIMIT + ": no earlier delivery was acknowledged (its "
                        + "consumer crashed or stopped, its record lock expired, or the model could not answer), so "
                        + "it is dead-lettered instead of scored again; the broker would archive it after this "
                        + "delivery"));
            }
        } finally {
            deployment.release();
        }
    }

    private void sendDeadLetter(ConsumerRecord<byte[], byte[]> in, ModelInfo info, String stage, Exception error) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {}-{}@{} to the dead-letter topic at stage {}: {}", name, in.topic(), in.partition(),
                    in.offset(), stage, error.getMessage());
        }
        producer.send(deadLetters.of(in, stage, error, info), (meta, e) -> {
            if (e != null) {
                writeFailure.compareAndSet(null, e);
            } else {
                metrics.countDeadLetter(info.name(), info.version(), stage);
            }
        });
    }

    private void acknowledge(List<ConsumerRecord<byte[], byte[]>> records, AcknowledgeType type) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (unsettled.remove(r)) {
                consumer.acknowledge(r, type);
            }
        }
    }

    /** Sleeps for the backoff, in slices, so a stopping engine is not kept waiting. */
    private void sleep(long delayMs) {
        long deadline = System.nanoTime() + delayMs * 1_000_000;
        while (!engine.isStopping()) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                return;
            }
            try {
                Thread.sleep(Math.min(leftMs, SLEEP_SLICE_MS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void closeUnstarted() {
        closeQuietly();
    }

    private void closeQuietly() {
        clientMetrics.forEach(KafkaClientMetrics::close);
        clientMetrics.clear();
        if (counted) {
            counted = false;
            metrics.assignedPartitionsCounter().decrementAndGet();
        }
        // Sends the acknowledgements of the last batch (and any releases) before leaving the group. A wakeup() that
        // arrived while no poll was blocking surfaces here once: try again.
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                consumer.commitSync(Duration.ofSeconds(10));
                break;
            } catch (WakeupException e) {
                continue;
            } catch (RuntimeException e) {
                LOG.warn("{}: sending the last acknowledgements: {}", name, e.toString());
                break;
            }
        }
        try {
            consumer.close(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the share consumer: {}", name, e.toString());
        }
        try {
            producer.close(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            LOG.warn("{}: closing the producer: {}", name, e.toString());
        }
    }
}
