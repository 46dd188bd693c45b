package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * After a crash in exactly-once mode, the crashed worker's open transaction used to hold read_committed readers
 * back until it timed out (24–35 s seen). With a stable instance.id the restarted worker's transactional id is the
 * crashed one's, so starting it fences the zombie and aborts its transaction at once.
 */
class CrashRecoveryTest extends EngineTestSupport {
    private static final int RECORDS = 1_000;

    @Test
    void aRestartedInstanceFencesTheCrashedOnesOpenTransactionAtOnce() throws Exception {
        Topics topics = new Topics("fence", 1);
        DenseNetwork network = DenseNetwork.random(12, 8, 4, 9);
        ModelSource source = onnx(network);
        float[][] rows = network.sampleInputs(RECORDS, 3);
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            records.add(new AbstractMap.SimpleEntry<>("k" + i, DenseNetwork.toJson(rows[i])));
        }
        KafkaRecords.produceStrings(KAFKA.broker(), topics.input, records);

        // The crashed instance: its transaction is open, with one output written, and will not time out for 5 minutes.
        Map<String, Object> zombieConfig = KAFKA.broker().producerConfig();
        zombieConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "inferstream-" + topics.group + "-pod-0-0");
        zombieConfig.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 300_000);
        KafkaProducer<byte[], byte[]> zombie = new KafkaProducer<>(zombieConfig);
        zombie.initTransactions();
        zombie.beginTransaction();
        zombie.send(new ProducerRecord<>(topics.output, 0, "zombie".getBytes(StandardCharsets.UTF_8),
                "never committed".getBytes(StandardCharsets.UTF_8))).get();

        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.WORKER_THREADS, 1);
        props.put(EngineConfig.PROCESSING_GUARANTEE, EngineConfig.EXACTLY_ONCE);
        props.put(EngineConfig.INSTANCE_ID, "pod-0");
        long started = System.currentTimeMillis();
        Map<String, Integer> perKey = new HashMap<>();
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> ModelRegistry.discover().load(source, "onnx", Map.of()))) {
            Map<String, Object> c = KAFKA.broker().consumerConfig(null);
            c.put("isolation.level", "read_committed");
            try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(c)) {
                TopicPartition tp = new TopicPartition(topics.output, 0);
                reader.assign(List.of(tp));
                reader.seekToBeginning(List.of(tp));
                // Well inside the zombie's 5-minute timeout: only fencing can release the readers this early
                // (generous, as a loaded 2-core machine can take a while to start the engine and score).
                long deadline = started + 120_000;
                while (perKey.size() < RECORDS && System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : reader.poll(Duration.ofMillis(200))) {
                        perKey.merge(new String(r.key(), StandardCharsets.UTF_8), 1, Integer::sum);
                    }
                }
            }
        } finally {
            zombie.close(Duration.ZERO);
        }
        long seconds = (System.currentTimeMillis() - started) / 1000;
        assertEquals(RECORDS, perKey.size(), "read_committed readers saw " + perKey.size() + " of " + RECORDS
                + " predictions within " + seconds + " s: the zombie's transaction was not fenced");
        assertTrue(perKey.values().stream().allMatch(n -> n == 1), "each record once");
        assertTrue(!perKey.containsKey("zombie"), "the crashed instance's uncommitted output is aborted");
    }
}
