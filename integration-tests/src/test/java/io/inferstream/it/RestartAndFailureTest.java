package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ForwardingModel;
import io.inferstream.model.InferenceException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.fixtures.WaitingModel;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stopping and failing mid-stream, then starting again: nothing is lost; duplicates are counted and reported. */
class RestartAndFailureTest extends EngineTestSupport {
    private static final int RECORDS = 6_000;
    private final DenseNetwork network = DenseNetwork.random(16, 8, 4, 21);
    private final ModelSource source = onnx(network);
    private final ModelRegistry registry = ModelRegistry.discover();

    /** The real model, until it has scored {@code healthyBatches} batches; then it fails as a crashed runtime would. */
    static final class FailingAfter extends ForwardingModel {
        private final AtomicInteger batchesLeft;

        FailingAfter(Model delegate, int healthyBatches) {
            super(delegate);
            this.batchesLeft = new AtomicInteger(healthyBatches);
        }

        @Override
        public List<Prediction> predict(List<Features> batch) throws InferenceException {
            if (batchesLeft.decrementAndGet() < 0) {
                throw new ModelFailureException("simulated runtime crash");
            }
            return super.predict(batch);
        }
    }

    private Topics produce(String name) {
        Topics topics = new Topics(name, 3);
        float[][] inputs = network.sampleInputs(RECORDS, 4);
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("k-" + i, DenseNetwork.toJson(inputs[i])));
        }
        KafkaRecords.produceStrings(KAFKA.broker(), topics.input, records);
        return topics;
    }

    private EngineConfig config(Topics topics) {
        Map<String, Object> p = engineProperties(topics);
        p.put(EngineConfig.MAX_BATCH_SIZE, 200);
        return new EngineConfig(p);
    }

    /** Reads the whole output topic; asserts no key is missing; returns the number of duplicates. */
    private int assertNothingLost(Topics topics) {
        long total = KafkaRecords.countRecords(KAFKA.broker(), topics.output);
        List<ConsumerRecord<String, String>> out = KafkaRecords.consumeStrings(KAFKA.broker(), topics.output, (int) total,
                Duration.ofSeconds(30));
        Map<String, Integer> perKey = new HashMap<>();
        out.forEach(r -> perKey.merge(r.key(), 1, Integer::sum));
        for (int i = 0; i < RECORDS; i++) {
            assertTrue(perKey.containsKey("k-" + i), "record k-" + i + " was lost");
        }
        assertEquals(0, KafkaRecords.countRecords(KAFKA.broker(), topics.deadLetters));
        return (int) (total - perKey.size());
    }

    @Test
    void gracefulStopMidStreamThenRestartLosesNothing() throws Exception {
        Topics topics = produce("restart");
        long firstRun;
        // 20 ms a call (batches of up to 200): the remaining ~5,000 records take over 250 ms more, so the stop lands
        // mid-stream. Without the wait, a quiet machine scored all 6,000 before close() took effect.
        try (InferenceEngine engine = InferenceEngine.start(config(topics),
                () -> new WaitingModel(registry.load(source, "onnx", Map.of()), 20))) {
            await(() -> engine.metrics().predictionsOut() >= 1_000, 60_000, () -> "no progress: " + engine.metrics());
            engine.close();
            assertEquals(EngineState.STOPPED, engine.state());
            firstRun = engine.metrics().predictionsOut();
        }
        assertTrue(firstRun < RECORDS, "stopped mid-stream (" + firstRun + " of " + RECORDS + ")");
        try (InferenceEngine engine = InferenceEngine.start(config(topics), () -> registry.load(source, "onnx", Map.of()))) {
            awaitAccounted(engine, RECORDS - firstRun, 60_000);
        }
        int duplicates = assertNothingLost(topics);
        System.out.printf("graceful stop after %d predictions, restart: %d duplicates%n", firstRun, duplicates);
        assertEquals(0, duplicates, "a graceful stop commits everything it wrote");
    }

    @Test
    void modelFailureStopsWithoutCommittingAndARestartRecovers() throws Exception {
        Topics topics = produce("failure");
        long beforeFailure;
        try (InferenceEngine engine = InferenceEngine.start(config(topics),
                () -> new FailingAfter(registry.load(source, "onnx", Map.of()), 3))) {
            assertTrue(engine.awaitTermination(Duration.ofSeconds(60)), "the engine stops by itself on a model failure");
            assertEquals(EngineState.FAILED, engine.state());
            assertTrue(engine.failure().orElseThrow().getMessage().contains("simulated runtime crash"));
            beforeFailure = engine.metrics().predictionsOut();
        }
        assertTrue(beforeFailure < RECORDS, "failed mid-stream");
        try (InferenceEngine engine = InferenceEngine.start(config(topics), () -> registry.load(source, "onnx", Map.of()))) {
            await(() -> KafkaRecords.countRecords(KAFKA.broker(), topics.output) >= RECORDS, 60_000,
                    () -> "restart did not finish: " + engine.metrics());
            await(() -> engine.metrics().predictionsOut() + beforeFailure >= RECORDS, 60_000, () -> "still running");
        }
        int duplicates = assertNothingLost(topics);
        System.out.printf("model failure after %d predictions, restart: %d duplicates%n", beforeFailure, duplicates);
    }

    @Test
    void exactlyOnceOutputsAreTransactionalAndSurviveAFailureAndRestart() throws Exception {
        Topics topics = produce("exactly-once");
        Map<String, Object> p = engineProperties(topics);
        p.put(EngineConfig.MAX_BATCH_SIZE, 200);
        p.put(EngineConfig.PROCESSING_GUARANTEE, EngineConfig.EXACTLY_ONCE);
        EngineConfig config = new EngineConfig(p);
        try (InferenceEngine engine = InferenceEngine.start(config,
                () -> new FailingAfter(registry.load(source, "onnx", Map.of()), 4))) {
            assertTrue(engine.awaitTermination(Duration.ofSeconds(60)));
            assertEquals(EngineState.FAILED, engine.state());
        }
        try (InferenceEngine engine = InferenceEngine.start(config, () -> registry.load(source, "onnx", Map.of()))) {
            await(() -> committedOutputs(topics) >= RECORDS, 60_000, () -> "restart did not finish: " + engine.metrics());
        }
        Map<String, Object> readCommitted = KAFKA.broker().stringConsumerConfig(null);
        readCommitted.put("isolation.level", "read_committed");
        Map<String, Integer> perKey = new HashMap<>();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, String> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(readCommitted)) {
            List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topics.output).forEach(i -> partitions.add(new org.apache.kafka.common.TopicPartition(topics.output, i.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + 30_000;
            while (perKey.values().stream().mapToInt(Integer::intValue).sum() < RECORDS && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> perKey.merge(r.key(), 1, Integer::sum));
            }
        }
        assertEquals(RECORDS, perKey.size(), "every record predicted");
        assertTrue(perKey.values().stream().allMatch(n -> n == 1), "read_committed readers see each record once");
        assertTrue(KafkaRecords.countRecords(KAFKA.broker(), topics.output) > RECORDS, "transaction markers prove transactions");
    }

    private long committedOutputs(Topics topics) {
        Map<String, Object> c = KAFKA.broker().consumerConfig(null);
        c.put("isolation.level", "read_committed");
        try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer =
                new org.apache.kafka.clients.consumer.KafkaConsumer<>(c)) {
            List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topics.output).forEach(i -> partitions.add(new org.apache.kafka.common.TopicPartition(topics.output, i.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long n = 0;
            long deadline = System.currentTimeMillis() + 5_000;
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.currentTimeMillis() < deadline) {
                n += consumer.poll(Duration.ofMillis(100)).count();
            }
            return n;
        }
    }
}
