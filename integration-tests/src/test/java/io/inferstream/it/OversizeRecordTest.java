package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/**
 * A record just under the input limit but larger than the dead-letter topic accepts used to stop the engine on
 * every restart (a poison pill). Now its dead letter is cut to fit, says so, and the records behind it are scored.
 */
class OversizeRecordTest extends EngineTestSupport {
    private final DenseNetwork network = DenseNetwork.random(12, 8, 4, 3);
    private final ModelSource source = onnx(network);
    private final ModelRegistry registry = ModelRegistry.discover();

    @Test
    void aRecordTooLargeForTheDeadLetterTopicIsCutToFitAndTheStreamGoesOn() throws Exception {
        Topics topics = new Topics("oversize", 1);
        String dlt = topics.deadLetters + "-small";
        KAFKA.broker().createTopic(dlt, 1, Map.of("max.message.bytes", "65536"));
        float[][] rows = network.sampleInputs(10, 1);
        byte[] huge = ("{\"input\": [" + "0.5, ".repeat(180_000) + "0.5]}").getBytes(StandardCharsets.UTF_8);
        List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            records.add(new AbstractMap.SimpleEntry<>(("r" + i).getBytes(StandardCharsets.UTF_8),
                    DenseNetwork.toJson(rows[i]).getBytes(StandardCharsets.UTF_8)));
            if (i == 4) {
                records.add(new AbstractMap.SimpleEntry<>("huge".getBytes(StandardCharsets.UTF_8), huge));
            }
        }
        KafkaRecords.produceBytes(KAFKA.broker(), topics.input, records);
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.DEAD_LETTER_TOPIC, dlt);
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> registry.load(source, "onnx", Map.of()))) {
            awaitAccounted(engine, 11, 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
            assertEquals(10, engine.metrics().predictionsOut());
            assertEquals(1, engine.metrics().deadLetters());
        }
        ConsumerRecord<byte[], byte[]> dead = KafkaRecords.consumeBytes(KAFKA.broker(), dlt, 1, Duration.ofSeconds(30)).get(0);
        assertEquals("huge", new String(dead.key(), StandardCharsets.UTF_8));
        assertEquals(String.valueOf(huge.length), header(dead, DeadLetterHeaders.VALUE_ORIGINAL_BYTES));
        assertTrue(header(dead, DeadLetterHeaders.TRUNCATED).contains("65536"));
        assertEquals("validate", header(dead, DeadLetterHeaders.STAGE));
        assertTrue(dead.value().length > 30_000 && dead.value().length < 65_536, "cut to fit: " + dead.value().length);
    }

    @Test
    void aDeadLetterTopicTooSmallForAnyDeadLetterIsAStartUpError() {
        Topics topics = new Topics("tiny-dlt", 1);
        String dlt = topics.deadLetters + "-tiny";
        KAFKA.broker().createTopic(dlt, 1, Map.of("max.message.bytes", "4096"));
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.DEAD_LETTER_TOPIC, dlt);
        ConfigException e = assertThrows(ConfigException.class, () -> InferenceEngine.start(new EngineConfig(props),
                () -> registry.load(source, "onnx", Map.of())));
        assertTrue(e.getMessage().contains("Dead letters would not fit: topic '" + dlt + "'")
                && e.getMessage().contains("max.message.bytes and producer.max.request.size"), e.getMessage());
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
