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
import io.inferstream.scoring.BatchScorerTest;
import io.inferstream.scoring.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
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
    static class TestHost implements InferenceWorker.Host {
        volatile boolean stopping;
        volatile Throwable failure;
        volatile OffsetAndMetadata committedAtStop;
        /** What a {@link #stopAfterFirstCommit} host saw when it stopped (a closed mock consumer tells nothing). */
        volatile Map<TopicPartition, OffsetAndMetadata> committed;
        volatile Set<TopicPartition> paused;

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

    private static RecordingConsumer consumerWith(TestHost host, String... values) {
        RecordingConsumer consumer = new RecordingConsumer();
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
            for (int i = 0; i < values.length; i++) {
                // Every input carries a tracing header, and a stale model header from an earlier scoring step.
                RecordHeaders headers = new RecordHeaders();
                headers.add("trace-id", utf8("t" + i)).add(DeadLetterHeaders.MODEL_NAME, utf8("upstream-model"));
                consumer.addRecord(new ConsumerRecord<>("in", 0, i, 0L, TimestampType.CREATE_TIME, -1, -1, utf8("k" + i),
                        values[i] == null ? null : utf8(values[i]), headers, Optional.empty()));
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
        return worker(consumer, producer, host, metrics, transactional,
                new BatchScorerTest.DoublingModel(BatchScorerTest.Rejection.WITH_INDEX));
    }

    /** A worker on topic "in" with a fixed model, a 10 ms poll and a retry backoff of 1 to 5 ms. */
    static InferenceWorker worker(MockConsumer<byte[], byte[]> consumer, MockProducer<byte[], byte[]> producer,
            TestHost host, EngineMetrics metrics, boolean transactional, io.inferstream.model.Model model) {
        return worker(consumer, producer, host, metrics, transactional, model, Duration.ZERO);
    }

    /** @param commitInterval zero: commit after every batch (what is acknowledged by then) */
    static InferenceWorker worker(MockConsumer<byte[], byte[]> consumer, MockProducer<byte[], byte[]> producer,
            TestHost host, EngineMetrics metrics, boolean transactional, io.inferstream.model.Model model,
            Duration commitInterval) {
        DeploymentManager deployments = new DeploymentManager(new FixedModelSource("doubling", () -> model),
                new DeploymentSettings(1, info -> new JsonRecordDecoder(info, Map.of(), false), List.of(), "", 0,
                        List.of(), false), new TrafficSample(4));
        try {
            deployments.start(Duration.ofSeconds(10));
        } catch (ModelLoadException e) {
            throw new AssertionError(e);
        }
        managers.add(deployments);
        InferenceWorker.WorkerSettings settings = InferenceWorker.WorkerSettings.builder(List.of("in"), "out", "dlt")
                .maxBatchSize(100).maxRecordBytes(1 << 20).pollTimeout(Duration.ofMillis(10)).outputPartitions(1)
                .transactional(transactional).maxBytes(1 << 20, 1 << 20).retryBackoff(new RetryBackoff(1, 5))
                .commitInterval(commitInterval).build();
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
        // The header policy: outputs keep the input's headers; the model headers name the model that scored them.
        for (int i : new int[] {0, 3}) {
            Headers out = sent.get(i).headers();
            assertEquals("t" + i, new String(out.lastHeader("trace-id").value(), StandardCharsets.UTF_8));
            List<Header> names = new java.util.ArrayList<>();
            out.headers(DeadLetterHeaders.MODEL_NAME).forEach(names::add);
            assertEquals(1, names.size(), "the input's model header is replaced, not repeated");
            assertEquals("doubler", new String(names.get(0).value(), StandardCharsets.UTF_8));
        }
        assertEquals("t1", new String(sent.get(1).headers().lastHeader("trace-id").value(), StandardCharsets.UTF_8),
                "dead letters keep the input's headers too");
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
        RecordingConsumer consumer = consumerWith(host, "{\"x\":1}", "{\"x\":2}");
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        producer.flushException = new KafkaException("broker unreachable");
        EngineMetrics metrics = new EngineMetrics();
        worker(consumer, producer, host, metrics).run();
        assertNotNull(host.failure, "the worker reports the failure to the engine");
        assertEquals(0, metrics.commits(), "nothing committed");
        assertEquals(-1, consumer.committedOffset(TP), "no offset of the unacknowledged batch");
        assertEquals(0, metrics.predictionsOut());
    }

    @Test
    void onlyBatchesWhoseEveryWriteIsAcknowledgedAreCommitted() {
        RecordingConsumer consumer = new RecordingConsumer();
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        TestHost host = new TestHost();
        List<String> committedSeen = new java.util.ArrayList<>();
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
            consumer.addRecord(new ConsumerRecord<>("in", 0, 0, utf8("k0"), utf8("{\"x\":1}")));
            consumer.addRecord(new ConsumerRecord<>("in", 0, 1, utf8("k1"), utf8("{\"x\":2}")));
        });
        consumer.schedulePollTask(() -> {
            producer.completeNext(); // one of the batch's two writes: nothing may be committed yet
            consumer.addRecord(new ConsumerRecord<>("in", 0, 2, utf8("k2"), utf8("{\"x\":3}")));
        });
        consumer.schedulePollTask(() -> {
            committedSeen.add(String.valueOf(consumer.committed(Set.of(TP)).get(TP)));
            producer.completeNext(); // the first batch is complete, the second (offset 2) is not
        });
        consumer.schedulePollTask(() -> {
            committedSeen.add(String.valueOf(consumer.committed(Set.of(TP)).get(TP).offset()));
            producer.completeNext();
            host.stopping = true;
        });
        EngineMetrics metrics = new EngineMetrics();
        worker(consumer, producer, host, metrics, false, new BatchScorerTest.DoublingModel(
                BatchScorerTest.Rejection.WITH_INDEX), Duration.ZERO).run();

        assertNull(host.failure);
        assertEquals(List.of("null", "2"), committedSeen, "the acknowledged prefix only, batch by batch");
        assertEquals(3, consumer.committedOffset(TP), "everything, once the stop flushed");
        assertEquals(3, metrics.predictionsOut());
    }

    @Test
    void commitsSpanManyBatchesWithinTheIntervalAndAGracefulStopCommitsTheRest() {
        RecordingConsumer consumer = consumerOf(List.of(TP), 0);
        for (int batch = 0; batch < 5; batch++) {
            int offset = batch;
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>("in", 0, offset,
                    utf8("k" + offset), utf8("{\"x\":" + offset + "}"))));
        }
        TestHost host = new TestHost();
        consumer.schedulePollTask(() -> host.stopping = true);
        EngineMetrics metrics = new EngineMetrics();
        worker(consumer, producer(), host, metrics, false, new BatchScorerTest.DoublingModel(
                BatchScorerTest.Rejection.WITH_INDEX), Duration.ofHours(1)).run();

        assertNull(host.failure);
        assertEquals(5, metrics.batches());
        assertEquals(1, metrics.commits(), "one commit for five batches: the one at the stop");
        assertEquals(5, consumer.committedOffset(TP));
    }

    @Test
    void underExactlyOnceOneTransactionHoldsTheBatchesOfAnInterval() {
        RecordingConsumer consumer = consumerOf(List.of(TP), 0);
        for (int batch = 0; batch < 3; batch++) {
            int offset = batch;
            consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>("in", 0, offset,
                    utf8("k" + offset), utf8("{\"x\":" + offset + "}"))));
        }
        TestHost host = new TestHost();
        consumer.schedulePollTask(() -> host.stopping = true);
        MockProducer<byte[], byte[]> producer = producer();
        EngineMetrics metrics = new EngineMetrics();
        worker(consumer, producer, host, metrics, true, new BatchScorerTest.DoublingModel(
                BatchScorerTest.Rejection.WITH_INDEX), Duration.ofHours(1)).run();

        assertNull(host.failure);
        assertEquals(1, producer.commitCount(), "one transaction for the three batches");
        assertEquals(List.of(Map.of(consumer.groupMetadata().groupId(), Map.of(TP, new OffsetAndMetadata(3)))),
                producer.consumerGroupOffsetsHistory());
        assertEquals(3, producer.history().size());
    }

    @Test
    void aModelFailureStillCommitsTheEarlierAcknowledgedBatchesButNothingOfItsOwn() {
        RecordingConsumer consumer = consumerOf(List.of(TP), 0);
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>("in", 0, 0, utf8("k0"),
                utf8("{\"x\":1}"))));
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>("in", 0, 1, utf8("k1"),
                utf8("{\"x\":2}"))));
        TestHost host = new TestHost();
        FlakyModel model = new FlakyModel(0) {
            @Override
            public List<io.inferstream.data.Prediction> predict(List<io.inferstream.data.Features> batch)
                    throws io.inferstream.model.InferenceException {
                if (batchSizes.size() == 1) {
                    throw new io.inferstream.model.ModelFailureException("the model's file handle is gone");
                }
                return super.predict(batch);
            }
        };
        EngineMetrics metrics = new EngineMetrics();
        worker(consumer, producer(), host, metrics, false, model, Duration.ofHours(1)).run();

        assertNotNull(host.failure);
        assertEquals(1, consumer.committedOffset(TP), "the first batch, not the failed one");
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

    /** Doubles "x" like the batch tests' model, but cannot answer now for its first {@code failures} calls. */
    static class FlakyModel implements io.inferstream.model.Model {
        final BatchScorerTest.DoublingModel answers = new BatchScorerTest.DoublingModel(BatchScorerTest.Rejection.WITH_INDEX);
        final java.util.concurrent.atomic.AtomicInteger failures;
        final List<Integer> batchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
        /** Runs on the worker's thread at the start of every call: lets a test look at the clients mid-outage. */
        volatile Runnable onCall = () -> { };

        FlakyModel(int failures) {
            this.failures = new java.util.concurrent.atomic.AtomicInteger(failures);
        }

        @Override
        public io.inferstream.model.ModelInfo info() {
            return answers.info();
        }

        @Override
        public List<io.inferstream.data.Prediction> predict(List<io.inferstream.data.Features> batch)
                throws io.inferstream.model.InferenceException {
            batchSizes.add(batch.size());
            onCall.run();
            if (failures.getAndDecrement() > 0) {
                throw new io.inferstream.model.RetriableInferenceException("503 from the model server", null);
            }
            return answers.predict(batch);
        }

        @Override
        public void close() {
        }
    }

    /** A host that stops once the worker has committed (or failed), noting the consumer's state then. */
    private static TestHost stopAfterFirstCommit(EngineMetrics metrics, MockConsumer<byte[], byte[]> consumer,
            Set<TopicPartition> partitions) {
        return new TestHost() {
            @Override
            public boolean isStopping() {
                if (metrics.commits() > 0 && committed == null) {
                    committed = new java.util.HashMap<>(consumer.committed(partitions));
                    paused = consumer.paused();
                }
                return super.isStopping() || metrics.commits() > 0;
            }
        };
    }

    /** A mock consumer that remembers its committed offsets when it is closed (a closed one cannot be asked). */
    static final class RecordingConsumer extends MockConsumer<byte[], byte[]> {
        volatile Map<TopicPartition, OffsetAndMetadata> committedAtClose = Map.of();

        RecordingConsumer() {
            super("earliest");
        }

        @Override
        public synchronized void close(Duration timeout) {
            committedAtClose = new java.util.HashMap<>(committed(assignment()));
            super.close(timeout);
        }

        /** @return the offset committed for the partition when the worker closed its consumer, or -1. */
        long committedOffset(TopicPartition tp) {
            OffsetAndMetadata committed = committedAtClose.get(tp);
            return committed == null ? -1 : committed.offset();
        }
    }

    private static RecordingConsumer consumerOf(List<TopicPartition> partitions, int recordsEach) {
        RecordingConsumer consumer = new RecordingConsumer();
        consumer.schedulePollTask(() -> {
            consumer.rebalance(partitions);
            for (TopicPartition tp : partitions) {
                consumer.updateBeginningOffsets(Map.of(tp, 0L));
                for (int i = 0; i < recordsEach; i++) {
                    consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), i, utf8("k" + tp.partition() + i),
                            utf8("{\"x\":" + (i + 1) + "}")));
                }
            }
        });
        return consumer;
    }

    private static MockProducer<byte[], byte[]> producer() {
        return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Test
    void aModelThatCannotAnswerNowHoldsTheBatchWithPartitionsPausedAndRetriesTheSameBatchUntilItAnswers() {
        EngineMetrics metrics = new EngineMetrics();
        MockConsumer<byte[], byte[]> consumer = consumerOf(List.of(TP), 3);
        TestHost host = stopAfterFirstCommit(metrics, consumer, Set.of(TP));
        MockProducer<byte[], byte[]> producer = producer();
        FlakyModel model = new FlakyModel(4);
        List<String> seenAtCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
        model.onCall = () -> seenAtCalls.add("paused=" + consumer.paused() + " written=" + producer.history().size()
                + " committed=" + consumer.committed(Set.of(TP)).get(TP));
        worker(consumer, producer, host, metrics, false, model).run();

        assertNull(host.failure, "a model that cannot answer now is not a failure");
        assertEquals(List.of(3, 3, 3, 3, 3), model.batchSizes, "the same whole batch each time, never one by one");
        assertEquals("paused=[] written=0 committed=null", seenAtCalls.get(0));
        for (String seen : seenAtCalls.subList(1, 5)) {
            assertEquals("paused=[in-0] written=0 committed=null", seen, "held: paused, nothing written or committed");
        }
        assertEquals(3, metrics.predictionsOut());
        assertEquals(0, metrics.deadLetters());
        assertEquals(4, metrics.modelRetries());
        assertEquals(3, host.committed.get(TP).offset());
        assertEquals(Set.of(), host.paused, "resumed once the batch was scored");
        assertEquals(List.of("out", "out", "out"), producer.history().stream().map(ProducerRecord::topic).toList());
    }

    @Test
    void underExactlyOnceNoTransactionIsBegunForAHeldBatch() {
        EngineMetrics metrics = new EngineMetrics();
        MockConsumer<byte[], byte[]> consumer = consumerOf(List.of(TP), 2);
        TestHost host = stopAfterFirstCommit(metrics, consumer, Set.of(TP));
        MockProducer<byte[], byte[]> producer = producer();
        FlakyModel model = new FlakyModel(2);
        List<Boolean> inFlight = new java.util.concurrent.CopyOnWriteArrayList<>();
        model.onCall = () -> inFlight.add(producer.transactionInFlight());
        worker(consumer, producer, host, metrics, true, model).run();

        assertNull(host.failure);
        assertEquals(List.of(false, false, false), inFlight, "scored before the transaction begins");
        assertEquals(1, producer.commitCount());
        assertTrue(!producer.transactionAborted(), "nothing to abort");
        assertEquals(2, producer.history().size());
    }

    @Test
    void partitionsRevokedDuringTheWaitLeaveTheHeldBatchAndNewOnesArePausedToo() {
        TopicPartition tp0 = new TopicPartition("in", 0);
        TopicPartition tp1 = new TopicPartition("in", 1);
        TopicPartition tp2 = new TopicPartition("in", 2);
        EngineMetrics metrics = new EngineMetrics();
        MockConsumer<byte[], byte[]> consumer = consumerOf(List.of(tp0, tp1), 2);
        TestHost host = stopAfterFirstCommit(metrics, consumer, Set.of(tp0, tp1));
        consumer.schedulePollTask(() -> {
            consumer.updateBeginningOffsets(Map.of(tp2, 0L));
            consumer.rebalance(List.of(tp1, tp2)); // the first poll of the wait: tp0 moves away, tp2 comes
        });
        MockProducer<byte[], byte[]> producer = producer();
        FlakyModel model = new FlakyModel(2);
        List<Set<TopicPartition>> pausedAtCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
        model.onCall = () -> pausedAtCalls.add(consumer.paused());
        worker(consumer, producer, host, metrics, false, model).run();

        assertNull(host.failure);
        assertEquals(List.of(4, 2, 2), model.batchSizes, "tp0's records left the held batch");
        // (MockConsumer keeps a revoked partition in paused(); KafkaConsumer does not.)
        assertTrue(pausedAtCalls.get(2).containsAll(Set.of(tp1, tp2)), "the newly assigned partition is paused too");
        assertEquals(2, producer.history().size(), "only tp1's records were written");
        producer.history().forEach(r -> assertTrue(new String(r.key(), StandardCharsets.UTF_8).startsWith("k1")));
        Map<TopicPartition, OffsetAndMetadata> committed = host.committed;
        assertNull(committed.get(tp0), "nothing committed for the revoked partition: its new owner reads it again");
        assertEquals(2, committed.get(tp1).offset());
        assertEquals(0, metrics.deadLetters());
    }

    @Test
    void aHeldBatchWhosePartitionsAreAllRevokedIsGivenUpUncommitted() {
        EngineMetrics metrics = new EngineMetrics();
        TestHost host = new TestHost();
        MockConsumer<byte[], byte[]> consumer = consumerOf(List.of(TP), 2);
        consumer.schedulePollTask(() -> consumer.rebalance(List.of()));
        consumer.schedulePollTask(() -> host.stopping = true);
        MockProducer<byte[], byte[]> producer = producer();
        FlakyModel model = new FlakyModel(Integer.MAX_VALUE);
        worker(consumer, producer, host, metrics, false, model).run();

        assertNull(host.failure);
        assertEquals(List.of(2), model.batchSizes, "not tried again once nothing of it is left");
        assertEquals(0, producer.history().size());
        assertEquals(0, metrics.commits());
        assertEquals(0, metrics.deadLetters());
    }

    @Test
    void closingDuringTheWaitEndsPromptlyWithoutWritingOrCommittingTheHeldBatch() throws Exception {
        EngineMetrics metrics = new EngineMetrics();
        TestHost host = new TestHost();
        MockConsumer<byte[], byte[]> consumer = consumerOf(List.of(TP), 2);
        MockProducer<byte[], byte[]> producer = producer();
        FlakyModel model = new FlakyModel(Integer.MAX_VALUE);
        java.util.concurrent.CountDownLatch failing = new java.util.concurrent.CountDownLatch(3);
        model.onCall = failing::countDown;
        InferenceWorker worker = worker(consumer, producer, host, metrics, false, model);
        Thread thread = new Thread(worker);
        thread.start();
        assertTrue(failing.await(10, java.util.concurrent.TimeUnit.SECONDS));
        long start = System.nanoTime();
        host.stopping = true;
        worker.wakeup();
        thread.join(5_000);
        assertTrue(!thread.isAlive(), "the worker ended");
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "promptly");
        assertNull(host.failure);
        assertEquals(0, producer.history().size());
        assertEquals(0, metrics.commits());
        assertTrue(consumer.closed());
    }
}
