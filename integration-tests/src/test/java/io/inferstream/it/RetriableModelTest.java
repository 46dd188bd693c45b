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
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.model.RetriableInferenceException;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.net.ConnectException;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * A model that cannot answer for a while (as a remote model server that is down would throw), on a real broker:
 * nothing is dead-lettered or committed during the outage, the consumers stay in their group (same members, no
 * rebalance) for longer than max.poll.interval.ms, and the engine resumes by itself when the model answers again.
 */
class RetriableModelTest extends EngineTestSupport {
    private static final int RECORDS = 600;
    private static final long MAX_POLL_INTERVAL_MS = 5_000;
    private static final long OUTAGE_MS = 9_000;
    private final DenseNetwork network = DenseNetwork.random(16, 8, 4, 31);
    private final ModelSource source = onnx(network);
    private final ModelRegistry registry = ModelRegistry.discover();

    /** The real model, except that while {@code down} it answers as an unreachable server's client would. */
    static final class OutageModel extends ForwardingModel {
        private final AtomicBoolean down;
        private final AtomicInteger refused;

        OutageModel(io.inferstream.model.Model delegate, AtomicBoolean down, AtomicInteger refused) {
            super(delegate);
            this.down = down;
            this.refused = refused;
        }

        @Override
        public List<Prediction> predict(List<Features> batch) throws InferenceException {
            if (down.get()) {
                refused.incrementAndGet();
                throw new RetriableInferenceException("model server unreachable",
                        new ConnectException("Connection refused"));
            }
            return super.predict(batch);
        }
    }

    private void produce(Topics topics, int from, int count) {
        float[][] inputs = network.sampleInputs(from + count, 5);
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("k-" + i, DenseNetwork.toJson(inputs[i])));
        }
        KafkaRecords.produceStrings(KAFKA.broker(), topics.input, records);
    }

    private static Map<TopicPartition, Long> committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> out = new HashMap<>();
        offsets.forEach((tp, o) -> out.put(tp, o == null ? null : o.offset()));
        return out;
    }

    /** Waits until the group's committed offsets add up to {@code records} (every partition starts at 0). */
    private static void awaitCommitted(Admin admin, String group, long records) throws InterruptedException {
        await(() -> {
            try {
                return committed(admin, group).values().stream().mapToLong(Long::longValue).sum() == records;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, 30_000, () -> records + " records not committed");
    }

        private static Set<String> members(Admin admin, String group) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        return d.members().stream().map(MemberDescription::consumerId).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void anOutageLongerThanMaxPollIntervalIsWaitedOutInTheGroupWithNothingCommittedOrDeadLettered() throws Exception {
        Topics topics = new Topics("retriable", 3);
        Map<String, Object> p = engineProperties(topics);
        p.put(EngineConfig.CONSUMER_PREFIX + ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) MAX_POLL_INTERVAL_MS);
        p.put(EngineConfig.MAX_BATCH_SIZE, 50);
        p.put(EngineConfig.RETRY_BACKOFF_INITIAL_MS, 100L);
        // Longer than max.poll.interval.ms on purpose: a worker that slept through its backoff would be evicted.
        p.put(EngineConfig.RETRY_BACKOFF_MAX_MS, 6_000L);
        AtomicBoolean down = new AtomicBoolean();
        AtomicInteger refused = new AtomicInteger();
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(p),
                () -> new OutageModel(registry.load(source, "onnx", Map.of()), down, refused));
                Admin admin = Admin.create(KAFKA.broker().adminConfig())) {
            produce(topics, 0, RECORDS / 2);
            awaitAccounted(engine, RECORDS / 2, 60_000);
            await(() -> engine.metrics().assignedPartitions() == 3, 30_000, () -> "partitions not all assigned");
            Set<String> membersBefore = members(admin, topics.group);
            assertEquals(2, membersBefore.size(), "both workers are members: " + membersBefore);
            awaitCommitted(admin, topics.group, RECORDS / 2);
            Map<TopicPartition, Long> committedBefore = committed(admin, topics.group);

            down.set(true);
            long outageStart = System.nanoTime();
            produce(topics, RECORDS / 2, RECORDS / 2);
            await(() -> refused.get() >= 2, 30_000, () -> "the model was not asked during the outage");
            while (System.nanoTime() - outageStart < OUTAGE_MS * 1_000_000) {
                assertEquals(committedBefore, committed(admin, topics.group), "nothing committed during the outage");
                assertEquals(membersBefore, members(admin, topics.group), "same members, no rebalance, mid-outage");
                assertEquals(RECORDS / 2, engine.metrics().predictionsOut(), "nothing written during the outage");
                assertEquals(0, engine.metrics().deadLetters());
                Thread.sleep(500);
            }
            long outageMs = (System.nanoTime() - outageStart) / 1_000_000;
            assertTrue(outageMs > MAX_POLL_INTERVAL_MS + 3_000, "the outage outlasted max.poll.interval.ms: " + outageMs);
            assertEquals(Set.of(), members(admin, topics.group).stream().filter(m -> !membersBefore.contains(m))
                    .collect(Collectors.toSet()), "no worker left and rejoined");
            assertEquals(EngineState.RUNNING, engine.state());

            down.set(false);
            awaitAccounted(engine, RECORDS, 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), "resumed without a restart");
            assertEquals(RECORDS, engine.metrics().predictionsOut());
            assertEquals(0, engine.metrics().deadLetters());
            assertTrue(engine.metrics().modelRetries() >= refused.get() - 1 && engine.metrics().modelRetries() > 0,
                    "retries counted: " + engine.metrics().modelRetries() + " of " + refused.get() + " refusals");
            assertEquals(membersBefore, members(admin, topics.group), "the same members throughout");
            awaitCommitted(admin, topics.group, RECORDS);
            System.out.printf("outage of %d ms (max.poll.interval.ms=%d): %d refused calls, %d retries, members %s%n",
                    outageMs, MAX_POLL_INTERVAL_MS, refused.get(), engine.metrics().modelRetries(), membersBefore);
        }
        List<ConsumerRecord<String, String>> out = KafkaRecords.consumeStrings(KAFKA.broker(), topics.output, RECORDS,
                Duration.ofSeconds(30));
        assertEquals(RECORDS, out.stream().map(ConsumerRecord::key).distinct().count(), "every record once");
        assertEquals(RECORDS, KafkaRecords.countRecords(KAFKA.broker(), topics.output), "no duplicate");
        assertEquals(0, KafkaRecords.countRecords(KAFKA.broker(), topics.deadLetters), "no dead letter");
    }

    @Test
    void partitionsThatMoveToAnotherInstanceDuringAnOutageLeaveTheHeldBatchesAndAreScoredOnceByTheirNewOwner()
            throws Exception {
        Topics topics = new Topics("retriable-rebalance", 4);
        Map<String, Object> p = engineProperties(topics);
        p.put(EngineConfig.WORKER_THREADS, 1);
        p.put(EngineConfig.MAX_BATCH_SIZE, 500);
        p.put(EngineConfig.RETRY_BACKOFF_MAX_MS, 1_000L);
        p.put(EngineConfig.MODEL_WARMUP_RECORDS, 0); // no warm-up call: the test counts the refusals of batches only
        AtomicBoolean down = new AtomicBoolean(true);
        AtomicInteger refused = new AtomicInteger();
        produce(topics, 0, RECORDS);
        try (InferenceEngine first = InferenceEngine.start(new EngineConfig(p),
                () -> new OutageModel(registry.load(source, "onnx", Map.of()), down, refused))) {
            await(() -> first.metrics().modelRetries() > 0, 30_000, () -> "the first instance holds no batch");
            int refusedBeforeSecond = refused.get();
            try (InferenceEngine second = InferenceEngine.start(new EngineConfig(p),
                    () -> new OutageModel(registry.load(source, "onnx", Map.of()), down, refused))) {
                // The join revokes partitions from the first instance while its batch is held.
                await(() -> second.metrics().assignedPartitions() > 0 && first.metrics().assignedPartitions() < 4
                        && second.metrics().modelRetries() > 0, 60_000,
                        () -> "no rebalance while held: " + first.metrics().assignedPartitions() + "/"
                                + second.metrics().assignedPartitions());
                assertTrue(refused.get() > refusedBeforeSecond);
                assertEquals(0, first.metrics().predictionsOut() + second.metrics().predictionsOut());
                down.set(false);
                await(() -> first.metrics().predictionsOut() + second.metrics().predictionsOut() >= RECORDS, 60_000,
                        () -> "not all scored: " + first.metrics() + " / " + second.metrics());
                assertEquals(EngineState.RUNNING, first.state());
                assertEquals(EngineState.RUNNING, second.state());
                assertEquals(0, first.metrics().deadLetters() + second.metrics().deadLetters());
                System.out.printf("rebalance during an outage: first instance %d, second %d predictions%n",
                        first.metrics().predictionsOut(), second.metrics().predictionsOut());
            }
        }
        assertEquals(RECORDS, KafkaRecords.countRecords(KAFKA.broker(), topics.output),
                "every record once: the revoked records of a held batch were never written by the old owner");
        assertEquals(0, KafkaRecords.countRecords(KAFKA.broker(), topics.deadLetters));
    }
}
