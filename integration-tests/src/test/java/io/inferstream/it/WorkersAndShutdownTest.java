package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Worker pools (idle workers, one instance per worker for a model that is not thread-safe, all closed), close()
 * from other threads while records flow, and clean-up when start() fails.
 */
class WorkersAndShutdownTest extends EngineScenarioSupport {
    private final DenseNetwork network = DenseNetwork.random(12, 8, 4, 51);
    private final ModelSource source = onnx(network);
    private final ModelRegistry registry = ModelRegistry.discover();

    private List<RecordMetadata> produce(Topics topics, float[][] inputs, int from, int to) {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("k-" + i, DenseNetwork.toJson(inputs[i])));
        }
        return KafkaRecords.produceStrings(KAFKA.broker(), topics.input, records);
    }

    /** @return engine properties for {@code workers} threads over {@code topics}, after writing all of inputs. */
    private Map<String, Object> poolProperties(Topics topics, float[][] inputs, int workers, int batch) {
        produce(topics, inputs, 0, inputs.length);
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.WORKER_THREADS, workers);
        props.put(EngineConfig.MAX_BATCH_SIZE, batch);
        return props;
    }

    @Test
    void aModelThatIsNotThreadSafeGetsOneInstancePerWorkerEvenWithIdleWorkersAndAllAreClosed() throws Exception {
        Topics topics = new Topics("pool", 2);
        float[][] inputs = network.sampleInputs(2_000, 52);
        Map<String, Object> props = poolProperties(topics, inputs, 4, 100);
        props.put(EngineConfig.MODEL_CLASS_LABELS, "a,b,c,d");
        List<TrackedModel> instances = TrackedModel.registry();
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> new TrackedModel(registry.load(source, "onnx", Map.of()), false, instances))) {
            awaitAccounted(engine, inputs.length, 60_000);
            await(() -> engine.metrics().assignedPartitions() == 2, 30_000,
                    () -> "assigned partitions: " + engine.metrics().assignedPartitions());
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
            assertFalse(engine.modelInfo().threadSafe());
            assertEquals(4, instances.size(), "one instance per worker, idle ones included");
            Set<Thread> allCallers = new HashSet<>();
            for (TrackedModel m : instances) {
                // Each instance is warmed up on the model-loader thread before the deployment that holds it is
                // published (an atomic write, so the hand-over is safe); after that only its worker calls it.
                m.callers.removeIf(t -> t.getName().equals("inferstream-model-loader"));
                assertTrue(m.callers.size() <= 1, "an instance was called from " + m.callers);
                assertTrue(Collections.disjoint(allCallers, m.callers), "two instances share a thread");
                allCallers.addAll(m.callers);
                assertEquals(0, m.closes.get(), "closed while running");
            }
            assertTrue(allCallers.size() >= 1 && allCallers.size() <= 2, "only the workers owning partitions score");
        }
        for (TrackedModel m : instances) {
            assertEquals(1, m.closes.get(), "every instance is closed exactly once by engine.close()");
        }
        for (ConsumerRecord<byte[], byte[]> r : KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, inputs.length,
                Duration.ofSeconds(30))) {
            PredictionJson p = PredictionJson.parse(r.value());
            assertProbabilities(network.forward(inputs[Integer.parseInt(p.key().substring(2))]),
                    p.numbers("probabilities"), p.key());
            assertTrue(p.label() != null, "labels added by every worker's own decorated instance");
        }
    }

    @Test
    void aThreadSafeModelIsLoadedOnceAndSharedByAllWorkers() throws Exception {
        Topics topics = new Topics("shared", 3);
        float[][] inputs = network.sampleInputs(600, 53);
        Map<String, Object> props = poolProperties(topics, inputs, 3, 50);
        List<TrackedModel> instances = TrackedModel.registry();
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> new TrackedModel(registry.load(source, "onnx", Map.of()), true, instances))) {
            awaitAccounted(engine, inputs.length, 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
        }
        assertEquals(1, instances.size());
        assertEquals(1, instances.get(0).closes.get(), "the shared instance is closed once, not once per worker");
    }

    @Test
    void closeFromAnotherThreadWhileRecordsFlowCommitsWhatItWroteAndARestartLosesNothing() throws Exception {
        closeWhileFlowingThenRestart("close", 1);
    }

    @Test
    void concurrentCloseCallsWhileRecordsFlowStillStopGracefully() throws Exception {
        closeWhileFlowingThenRestart("concurrent-close", 8);
    }

    /** Closes the engine from {@code closers} threads at once (staggered by a few ms) while records arrive. */
    private void closeWhileFlowingThenRestart(String name, int closerCount) throws Exception {
        Topics topics = new Topics(name, 3);
        int total = 8_000;
        float[][] inputs = network.sampleInputs(total, 54);
        Map<String, RecordMetadata> written = new HashMap<>();
        List<RecordMetadata> first = produce(topics, inputs, 0, total / 2);
        for (int i = 0; i < first.size(); i++) {
            written.put("k-" + i, first.get(i));
        }
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.MAX_BATCH_SIZE, 100);
        List<TrackedModel> instances = TrackedModel.registry();
        long firstRun;
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> new TrackedModel(registry.load(source, "onnx", Map.of()), true, instances))) {
            // More records keep arriving while the engine is being closed.
            Thread feeder = new Thread(() -> {
                for (int from = total / 2; from < total; from += 200) {
                    List<RecordMetadata> more = produce(topics, inputs, from, from + 200);
                    synchronized (written) {
                        for (int j = 0; j < more.size(); j++) {
                            written.put("k-" + (from + j), more.get(j));
                        }
                    }
                }
            }, "feeder");
            feeder.start();
            await(() -> engine.metrics().predictionsOut() >= 1_500, 60_000, () -> "no progress: " + engine.metrics());
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> closers = new ArrayList<>();
            for (int c = 0; c < closerCount; c++) {
                long delay = 3L * c;
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    engine.close();
                }, "closer-" + c);
                t.start();
                closers.add(t);
            }
            go.countDown();
            for (Thread t : closers) {
                t.join(60_000);
                assertFalse(t.isAlive(), "close() returned");
            }
            assertEquals(EngineState.STOPPED, engine.state(), () -> "failure: " + engine.failure());
            assertTrue(engine.failure().isEmpty(), () -> "failure: " + engine.failure());
            assertTrue(engine.awaitTermination(Duration.ofSeconds(1)), "workers ended");
            assertEquals(1, instances.get(0).closes.get(), "model closed once although close() ran more than once");
            firstRun = engine.metrics().predictionsOut();
            feeder.join(60_000);
        }
        assertTrue(firstRun < total, "stopped mid-stream");

        // Everything below the committed offsets is in the output, and nothing else is.
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (Admin admin = Admin.create(KAFKA.broker().adminConfig())) {
            committed = admin.listConsumerGroupOffsets(topics.group).partitionsToOffsetAndMetadata().get();
        }
        long committedRecords = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
        Set<String> predicted = new HashSet<>();
        long outputs = KafkaRecords.countRecords(KAFKA.broker(), topics.output);
        KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, (int) outputs, Duration.ofSeconds(30))
                .forEach(r -> predicted.add(key(r)));
        assertEquals(committedRecords, outputs, "a graceful close writes exactly what it commits");
        written.forEach((k, meta) -> {
            OffsetAndMetadata c = committed.get(new TopicPartition(meta.topic(), meta.partition()));
            if (c != null && meta.offset() < c.offset()) {
                assertTrue(predicted.contains(k), k + " is committed but has no prediction");
            }
        });

        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> registry.load(source, "onnx", Map.of()))) {
            awaitAccounted(engine, total - committedRecords, 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
        }
        Map<String, Integer> perKey = new HashMap<>();
        KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, total, Duration.ofSeconds(30))
                .forEach(r -> perKey.merge(key(r), 1, Integer::sum));
        for (int i = 0; i < total; i++) {
            assertEquals(1, perKey.getOrDefault("k-" + i, 0), "k-" + i + " predicted exactly once");
        }
    }

    @Test
    void aFailedStartClosesTheModelAndEveryKafkaClientItCreated() throws Exception {
        Topics topics = new Topics("failed-start", 1);
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.PRODUCER_PREFIX + "compression.type", "bogus");
        List<TrackedModel> instances = TrackedModel.registry();
        assertThrows(RuntimeException.class, () -> InferenceEngine.start(new EngineConfig(props),
                () -> new TrackedModel(registry.load(source, "onnx", Map.of()), true, instances)));
        assertEquals(1, instances.get(0).closes.get(), "the model is closed");
        String clientId = "inferstream-" + topics.group + "-0";
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(
                new ObjectName("kafka.consumer:type=app-info,id=" + clientId)),
                "worker 0's consumer was created before its producer failed and must be closed");
    }
}
