package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.deploy.TrafficSample;
import io.inferstream.model.ModelLoadException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The worker loop's commit discipline with Kafka's own mock clients: offsets are committed only after every
 * write of the batch is acknowledged. (The real-broker tests are in the integration-tests module.)
 */
class InferenceWorkerTest {
    private static final TopicPartition TP = new TopicPartition("in", 0);

    /** A host that stops after a number of polls, and records a failure. */
    static final class TestHost implements InferenceWorker.Host {
        volatile boolean stopping;
        volatile Throwable failure;
        volatile OffsetAndMetadata committedAtStop;

        @Override
        public boolean isStopping() {
            return stopping;
        }

        @Override
        public void fail(Throwable cause) {
            failure = cause;
            stopping = true;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static MockConsumer<byte[], byte[]> consumerWith(TestHost host, String... values) {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
            for (int i = 0; i < values.length; i++) {
                consumer.addRecord(new ConsumerRecord<>("in", 0, i, utf8("k" + i), values[i] == null ? null : utf8(values[i])));
            }
        });
        consumer.schedulePollTask(() -> {
            host.committedAtStop = consumer.committed(Set.of(TP)).get(TP);
            host.stopping = true;
        });
        return consumer;
    }

    private static InferenceWorker worker(MockConsumer<byte[], byte[]> consumer, MockProducer<byte[], byte[]> producer,
            TestHost host, EngineMetrics metrics) {
        return worker(consumer, producer, host, metrics, false);
    }

    private static InferenceWorker worker(MockConsumer<byte[], byte[]> consumer, MockProducer<byte[], byte[]> producer,
            TestHost host, EngineMetrics metrics, boolean transactional) {
        BatchScorerTest.DoublingModel model = new BatchScorerTest.DoublingModel(BatchScorerTest.Rejection.WITH_INDEX);
        DeploymentManager deployments = new DeploymentManager(new FixedModelSource("doubling", () -> model),
                new DeploymentSettings(1, info -> new JsonRecordDecoder(info, Map.of(), false), List.of(), "", 0,
                        List.of(), false), new TrafficSample(4));
        try {
            deployments.start(Duration.ofSeconds(10));
        } catch (ModelLoadException e) {
            throw new AssertionError(e);
        }
        managers.add(deployments);
        InferenceWorker.WorkerSettings settings = new InferenceWorker.WorkerSettings(List.of("in"), "out", "dlt", null,
                100, 1 << 20, Duration.ofMillis(10), 1, transactional, 1 << 20, 1 << 20);
        return new InferenceWorker("test", consumer, producer, deployments, 0, settings, metrics, host);
    }

    private static final List<DeploymentManager> managers = new java.util.ArrayList<>();

    @AfterEach
    void closeManagers() {
        managers.forEach(DeploymentManager::close);
        managers.clear();
    }

    @Test
    void writesEveryRecordInOrderThenCommits() {
        TestHost host = new TestHost();
        MockConsumer<byte[], byte[]> consumer = consumerWith(host, "{\"x\":1}", "oops", "{\"x\":-1}", "{\"x\":3}", null);
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        EngineMetrics metrics = new EngineMetrics();
        worker(consumer, producer, host, metrics).run();

        assertNull(host.failure);
        List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertEquals(List.of("out", "dlt", "dlt", "out", "dlt"), sent.stream().map(ProducerRecord::topic).toList());
        assertTrue(new String(sent.get(3).value(), StandardCharsets.UTF_8).contains("\"y\":6.0"));
        assertEquals(2, metrics.predictionsOut());
        assertEquals(3, metrics.deadLetters());
        assertEquals(5, host.committedAtStop.offset(), "committed past the last record of the batch");
        assertEquals(1, metrics.commits());
        assertTrue(consumer.closed());
        assertTrue(producer.closed());
    }

    @Test
    void aFailedWriteStopsTheWorkerWithoutCommitting() {
        TestHost host = new TestHost();
        MockConsumer<byte[], byte[]> consumer = consumerWith(host, "{\"x\":1}", "{\"x\":2}");
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        producer.flushException = new KafkaException("broker unreachable");
        EngineMetrics metrics = new EngineMetrics();
        worker(consumer, producer, host, metrics).run();
        assertNotNull(host.failure, "the worker reports the failure to the engine");
        assertEquals(0, metrics.commits(), "nothing committed");
        assertNull(host.committedAtStop, "the worker stopped before polling again");
        assertEquals(0, metrics.batches());
    }

    @Test
    void exactlyOnceCommitsOutputsAndOffsetsInOneTransaction() {
        TestHost host = new TestHost();
        MockConsumer<byte[], byte[]> consumer = consumerWith(host, "{\"x\":1}", "bad", "{\"x\":2}");
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        EngineMetrics metrics = new EngineMetrics();
        worker(consumer, producer, host, metrics, true).run();
        assertNull(host.failure);
        assertTrue(producer.transactionInitialized());
        assertEquals(1, producer.commitCount(), "one transaction for the batch");
        assertEquals(3, producer.history().size());
        assertEquals(List.of(Map.of(consumer.groupMetadata().groupId(), Map.of(TP, new OffsetAndMetadata(3)))),
                producer.consumerGroupOffsetsHistory(), "offsets sent inside the transaction");
        assertNull(host.committedAtStop, "no separate consumer commit");
    }
}
