package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.fixtures.WaitingModel;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * The engine on a share group ({@code group.type=share}) on a real broker: more workers than partitions all score,
 * every record ends as exactly one prediction or dead letter, a record that crashes its consumers ends in the
 * dead-letter topic on its last delivery, and a model that cannot answer for 10 s dead-letters nothing.
 */
class ShareGroupTest extends EngineTestSupport {
    private final DenseNetwork network = DenseNetwork.random(8, 6, 3, 41);
    private final ModelSource source = onnx(network);
    private final ModelRegistry registry = ModelRegistry.discover();

    private Map<String, Object> shareProperties(Topics topics) {
        Map<String, Object> p = engineProperties(topics);
        p.put(EngineConfig.GROUP_TYPE, EngineConfig.GROUP_TYPE_SHARE);
        p.put(EngineConfig.MAX_BATCH_SIZE, 20);
        p.put(EngineConfig.POLL_TIMEOUT_MS, 200L);
        return p;
    }

    /** Writes {@code count} records from index {@code from}; every index in {@code bad} is not JSON. */
    private float[][] produce(Topics topics, int from, int count, java.util.Set<Integer> bad) {
        float[][] inputs = network.sampleInputs(from + count, 7);
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("k-" + i,
                    bad.contains(i) ? "not json " + i : DenseNetwork.toJson(inputs[i])));
        }
        KafkaRecords.produceStrings(KAFKA.broker(), topics.input, records);
        return inputs;
    }

    private static void setGroupConfig(String group, Map<String, String> values) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        List<AlterConfigOp> ops = new ArrayList<>();
        values.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        try (Admin admin = Admin.create(KAFKA.broker().adminConfig())) {
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void fourWorkersInTwoEnginesShareOnePartitionAndAccountForEveryRecordOnce() throws Exception {
        int records = 1_000;
        java.util.Set<Integer> bad = java.util.Set.of(13, 400, 777);
        Topics topics = new Topics("share-spread", 1);
        float[][] inputs = produce(topics, 0, records, bad);
        EngineConfig config = new EngineConfig(shareProperties(topics));
        long predictions;
        long deadLetters;
        try (InferenceEngine a = InferenceEngine.start(config,
                () -> new WaitingModel(registry.load(source, "onnx", Map.of()), 15));
                InferenceEngine b = InferenceEngine.start(config,
                        () -> new WaitingModel(registry.load(source, "onnx", Map.of()), 15))) {
            await(() -> a.metrics().predictionsOut() + a.metrics().deadLetters() + b.metrics().predictionsOut()
                    + b.metrics().deadLetters() >= records || a.failure().isPresent() || b.failure().isPresent(),
                    90_000, () -> "not all accounted for: " + a.metrics() + " / " + b.metrics());
            assertEquals(EngineState.RUNNING, a.state(), () -> "failed: " + a.failure());
            assertEquals(EngineState.RUNNING, b.state(), () -> "failed: " + b.failure());
            // Counted by the engines (model calls would count the warm-up too).
            assertTrue(a.metrics().recordsIn() > 0 && b.metrics().recordsIn() > 0, "both engines scored records of "
                    + "the one partition: " + a.metrics().recordsIn() + " and " + b.metrics().recordsIn());
            assertTrue(a.metrics().batches() + b.metrics().batches() >= records / 20, "batches of at most 20 ("
                    + "max.batch.size): " + (a.metrics().batches() + b.metrics().batches()));
            predictions = a.metrics().predictionsOut() + b.metrics().predictionsOut();
            deadLetters = a.metrics().deadLetters() + b.metrics().deadLetters();
        }
        assertEquals(records - bad.size(), predictions);
        assertEquals(bad.size(), deadLetters);

        // Counted on the topics themselves: each good record predicted exactly once, each bad one dead-lettered once.
        List<ConsumerRecord<byte[], byte[]>> out = KafkaRecords.consumeBytes(KAFKA.broker(), topics.output,
                records - bad.size(), Duration.ofSeconds(30));
        assertEquals(records - bad.size(), KafkaRecords.countRecords(KAFKA.broker(), topics.output));
        boolean[] seen = new boolean[records];
        for (ConsumerRecord<byte[], byte[]> r : out) {
            PredictionJson p = PredictionJson.parse(r.value());
            int i = Integer.parseInt(p.key().substring(2));
            assertTrue(!seen[i] && !bad.contains(i), "one prediction per good record: " + p.key());
            seen[i] = true;
            double[] want = network.forward(inputs[i]);
            double[] got = p.numbers("probabilities");
            for (int c = 0; c < want.length; c++) {
                assertEquals(want[c], got[c], 1e-5, "record " + i + " class " + c);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> dlt = KafkaRecords.consumeBytes(KAFKA.broker(), topics.deadLetters,
                bad.size(), Duration.ofSeconds(30));
        assertEquals(bad.size(), KafkaRecords.countRecords(KAFKA.broker(), topics.deadLetters));
        for (ConsumerRecord<byte[], byte[]> r : dlt) {
            assertEquals(DeadLetterHeaders.STAGE_DECODE, header(r, DeadLetterHeaders.STAGE));
        }
    }

    @Test
    void aRecordThatCrashesItsConsumersIsDeadLetteredOnItsLastDelivery() throws Exception {
        Topics topics = new Topics("share-poison", 1);
        setGroupConfig(topics.group, Map.of("share.delivery.count.limit", "2"));
        Map<String, Object> p = shareProperties(topics);
        p.put(EngineConfig.WORKER_THREADS, 1);
        EngineConfig config = new EngineConfig(p);
        AtomicBoolean poisonSeen = new AtomicBoolean();
        ModelSource poisoned = source;
        // A model-wide failure on one record's value (as a native crash would be): it stops the engine every time.
        java.util.function.Supplier<Model> crashesOnPoison = () -> {
            try {
                return new ForwardingModel(registry.load(poisoned, "onnx", Map.of())) {
                    @Override
                    public List<Prediction> predict(List<Features> batch) throws InferenceException {
                        for (Features f : batch) {
                            if (f.get("input").getDouble(0) == 99.0) {
                                poisonSeen.set(true);
                                throw new ModelFailureException("the runtime crashed on this input");
                            }
                        }
                        return super.predict(batch);
                    }
                };
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        produce(topics, 0, 50, java.util.Set.of());
        try (InferenceEngine engine = InferenceEngine.start(config, crashesOnPoison::get)) {
            awaitAccounted(engine, 50, 60_000);
            float[] poison = new float[network.inputs()];
            poison[0] = 99f;
            KafkaRecords.produceStrings(KAFKA.broker(), topics.input,
                    List.of(new AbstractMap.SimpleImmutableEntry<>("poison", DenseNetwork.toJson(poison))));
            await(() -> engine.state() == EngineState.FAILED, 30_000, () -> "the poison did not stop the engine");
        }
        assertTrue(poisonSeen.get());
        // Its second delivery is the group's last: the restarted engine dead-letters it without scoring it.
        try (InferenceEngine engine = InferenceEngine.start(config, crashesOnPoison::get)) {
            awaitAccounted(engine, 1, 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
            assertEquals(Map.of(DeadLetterHeaders.STAGE_DELIVERY, 1L), engine.metrics().deadLettersByStage());
            Thread.sleep(1_000); // nothing more comes: it was accepted, not redelivered
            assertEquals(1, engine.metrics().recordsIn());
        }
        List<ConsumerRecord<byte[], byte[]>> dlt = KafkaRecords.consumeBytes(KAFKA.broker(), topics.deadLetters, 1,
                Duration.ofSeconds(30));
        assertEquals(1, KafkaRecords.countRecords(KAFKA.broker(), topics.deadLetters), "dead-lettered once");
        assertEquals("poison", new String(dlt.get(0).key(), StandardCharsets.UTF_8));
        assertEquals(DeadLetterHeaders.STAGE_DELIVERY, header(dlt.get(0), DeadLetterHeaders.STAGE));
        assertTrue(header(dlt.get(0), DeadLetterHeaders.ERROR_MESSAGE).contains("share.delivery.count.limit"));
        assertEquals(50, KafkaRecords.countRecords(KAFKA.broker(), topics.output));
    }

    @Test
    void aModelThatCannotAnswerForTenSecondsDeadLettersNothing() throws Exception {
        int records = 300;
        Topics topics = new Topics("share-retry", 1);
        // The shortest record lock a group may have: the 10 s outage outlasts half of it, so batches are released
        // and redelivered, not only held.
        setGroupConfig(topics.group, Map.of("share.record.lock.duration.ms", "15000"));
        Map<String, Object> p = shareProperties(topics);
        p.put(EngineConfig.RETRY_BACKOFF_INITIAL_MS, 200L);
        p.put(EngineConfig.RETRY_BACKOFF_MAX_MS, 2_000L);
        AtomicBoolean down = new AtomicBoolean(true);
        AtomicInteger refused = new AtomicInteger();
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(p),
                () -> new RetriableModelTest.OutageModel(registry.load(source, "onnx", Map.of()), down, refused))) {
            produce(topics, 0, records, java.util.Set.of());
            // From the first refused batch (the warm-up at start is refused too, and does not count).
            await(() -> engine.metrics().modelRetries() > 0, 30_000, () -> "no batch was refused");
            long start = System.nanoTime();
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
                assertEquals(0, engine.metrics().deadLetters());
                assertEquals(0, engine.metrics().predictionsOut());
                Thread.sleep(250);
            }
            assertTrue(refused.get() >= 2, "the model was asked during the outage: " + refused);
            down.set(false);
            awaitAccounted(engine, records, 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
            assertEquals(records, engine.metrics().predictionsOut());
            assertEquals(0, engine.metrics().deadLetters());
            // A batch is held for at most half the 15 s lock, so over a 10 s outage some were released and
            // delivered again: more deliveries than records, yet each record scored once.
            assertTrue(engine.metrics().recordsIn() > records, "released and redelivered: "
                    + engine.metrics().recordsIn() + " deliveries of " + records + " records");
        }
        assertEquals(0, KafkaRecords.countRecords(KAFKA.broker(), topics.deadLetters));
        assertEquals(records, KafkaRecords.countRecords(KAFKA.broker(), topics.output));
    }

    @Test
    void exactlyOnceOnAShareGroupIsAConfigurationError() {
        Map<String, Object> p = new HashMap<>();
        p.put(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9");
        p.put(EngineConfig.GROUP_ID, "g");
        p.put(EngineConfig.INPUT_TOPICS, "in");
        p.put(EngineConfig.OUTPUT_TOPIC, "out");
        p.put(EngineConfig.DEAD_LETTER_TOPIC, "dlt");
        p.put(EngineConfig.GROUP_TYPE, "share");
        p.put(EngineConfig.PROCESSING_GUARANTEE, EngineConfig.EXACTLY_ONCE);
        ConfigException e = assertThrows(ConfigException.class, () -> new EngineConfig(p));
        assertTrue(e.getMessage().contains("exactly_once is not available with group.type=share"), e.getMessage());
    }
}
