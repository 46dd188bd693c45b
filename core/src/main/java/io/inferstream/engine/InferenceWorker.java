package io.inferstream.engine;

import io.inferstream.codec.JsonPredictionEncoder;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.data.Prediction;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
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
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 * <p>Each poll is one micro-batch: records are decoded, the good ones scored in as few model calls as the batch
 * size allows, and every record is written as a prediction or a dead letter in poll order (so per-partition order
 * holds). Offsets are committed only after the producer has acknowledged every one of those writes: at-least-once,
 * and nothing is lost. A model-wide failure or a failed write ends the loop without committing that batch.
 *
 * <p>Thread safety: confined to its own thread, except {@link #wakeup()}, which any thread may call.
 */
final class InferenceWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceWorker.class);

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final Model model;
    private final ModelInfo info;
    private final JsonPredictionEncoder encoder = new JsonPredictionEncoder();
    private final RecordScorer scorer;
    private final WorkerSettings settings;
    private final EngineMetrics metrics;
    private final Host engine;
    private final byte[] modelNameHeader;
    private final byte[] modelVersionHeader;

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
        final int maxBatchSize;
        final int maxRecordBytes;
        final Duration pollTimeout;
        final int outputPartitions; // 0 = partition by key
        final boolean transactional;

        WorkerSettings(List<String> inputTopics, String outputTopic, String deadLetterTopic, int maxBatchSize,
                int maxRecordBytes, Duration pollTimeout, int outputPartitions, boolean transactional) {
            this.inputTopics = inputTopics;
            this.outputTopic = outputTopic;
            this.deadLetterTopic = deadLetterTopic;
            this.maxBatchSize = maxBatchSize;
            this.maxRecordBytes = maxRecordBytes;
            this.pollTimeout = pollTimeout;
            this.outputPartitions = outputPartitions;
            this.transactional = transactional;
        }
    }

    InferenceWorker(String name, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, Model model,
            RecordDecoder decoder, WorkerSettings settings, EngineMetrics metrics, Host engine) {
        this.name = name;
        this.consumer = consumer;
        this.producer = producer;
        this.model = model;
        this.info = model.info();
        this.scorer = new RecordScorer(model, decoder, settings.maxBatchSize, settings.maxRecordBytes);
        this.settings = settings;
        this.metrics = metrics;
        this.engine = engine;
        this.modelNameHeader = info.name().getBytes(StandardCharsets.UTF_8);
        this.modelVersionHeader = info.version().getBytes(StandardCharsets.UTF_8);
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
                    metrics.assignedPartitions.addAndGet(-partitions.size());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    metrics.assignedPartitions.addAndGet(partitions.size());
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    metrics.assignedPartitions.addAndGet(-partitions.size());
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
            LOG.error("{}: model {}:{} failed, stopping without committing the current batch; its records will be "
                    + "consumed again after a restart: {}", name, info.name(), info.version(), e.getMessage(), e);
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
        metrics.recordsIn.addAndGet(polled.size());

        List<byte[]> values = new ArrayList<>(polled.size());
        polled.forEach(r -> values.add(r.value()));
        List<RecordScorer.Result> results = scorer.score(values);
        metrics.modelCalls.addAndGet(scorer.modelCallsAndReset());

        if (settings.transactional) {
            producer.beginTransaction();
        }
        AtomicReference<Exception> sendFailure = new AtomicReference<>();
        for (int i = 0; i < polled.size(); i++) {
            ConsumerRecord<byte[], byte[]> in = polled.get(i);
            RecordScorer.Result result = results.get(i);
            if (result.ok()) {
                sendPrediction(in, result.prediction(), polledAtNanos, sendFailure);
            } else {
                sendDeadLetter(in, result.stage(), result.error(), sendFailure);
            }
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
            metrics.commits.incrementAndGet();
        } else {
            commit(polled);
        }
        metrics.batches.incrementAndGet();
    }

    private void sendPrediction(ConsumerRecord<byte[], byte[]> in, Prediction prediction, long polledAtNanos,
            AtomicReference<Exception> failure) {
        Headers headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.MODEL_NAME, modelNameHeader);
        headers.add(DeadLetterHeaders.MODEL_VERSION, modelVersionHeader);
        Integer partition = settings.outputPartitions > 0 ? in.partition() % settings.outputPartitions : null;
        ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(settings.outputTopic, partition, in.key(),
                encoder.encode(prediction, info, in.key()), headers);
        long timestamp = in.timestamp();
        producer.send(out, (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
                return;
            }
            metrics.predictionsOut.incrementAndGet();
            metrics.processingLatency().record((System.nanoTime() - polledAtNanos) / 1000);
            if (timestamp > 0) {
                metrics.latency().record((System.currentTimeMillis() - timestamp) * 1000);
            }
        });
    }

    private void sendDeadLetter(ConsumerRecord<byte[], byte[]> in, String stage, Exception error,
            AtomicReference<Exception> failure) {
        Headers headers = new RecordHeaders(in.headers().toArray());
        headers.add(DeadLetterHeaders.TOPIC, utf8(in.topic()));
        headers.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(in.partition())));
        headers.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(in.offset())));
        headers.add(DeadLetterHeaders.STAGE, utf8(stage));
        headers.add(DeadLetterHeaders.ERROR_CLASS, utf8(error.getClass().getName()));
        headers.add(DeadLetterHeaders.ERROR_MESSAGE, utf8(String.valueOf(error.getMessage())));
        headers.add(DeadLetterHeaders.MODEL_NAME, modelNameHeader);
        headers.add(DeadLetterHeaders.MODEL_VERSION, modelVersionHeader);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{}: {}-{}@{} to the dead-letter topic at stage {}: {}", name, in.topic(), in.partition(),
                    in.offset(), stage, error.getMessage());
        }
        producer.send(new ProducerRecord<>(settings.deadLetterTopic, null, in.key(), in.value(), headers), (meta, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                metrics.deadLetters.incrementAndGet();
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
        metrics.commits.incrementAndGet();
    }

    /** Closes the Kafka clients of a worker whose thread never started (a failed engine start). */
    void closeUnstarted() {
        closeQuietly();
    }

    private void closeQuietly() {
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

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
