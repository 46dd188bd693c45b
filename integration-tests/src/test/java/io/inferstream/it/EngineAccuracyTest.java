package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** 10,000 JSON records through a real ONNX model on a real KAFKA.broker(), each checked against plain Java. */
class EngineAccuracyTest extends EngineTestSupport {
    private static final int RECORDS = 10_000;

    @Test
    void tenThousandPredictionsEqualAnIndependentComputation() throws Exception {
        DenseNetwork network = DenseNetwork.random(784, 35, 10, 11);
        float[][] inputs = network.sampleInputs(RECORDS, 12);
        Topics topics = new Topics("accuracy", 4);
        List<Map.Entry<String, String>> records = new ArrayList<>(RECORDS);
        for (int i = 0; i < RECORDS; i++) {
            StringBuilder json = new StringBuilder("{\"id\":").append(i).append(",\"input\":[");
            for (int j = 0; j < inputs[i].length; j++) {
                json.append(j == 0 ? "" : ",").append(inputs[i][j]);
            }
            records.add(new AbstractMap.SimpleImmutableEntry<>("k-" + i, json.append("]}").toString()));
        }
        List<RecordMetadata> written = KafkaRecords.produceStrings(KAFKA.broker(), topics.input, records);

        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.MODEL_CLASS_LABELS, "0,1,2,3,4,5,6,7,8,9");
        props.put(EngineConfig.MODEL_CONFIG_PREFIX + "version", "42");
        ModelSource source = onnx(network);
        ModelRegistry registry = ModelRegistry.discover();
        List<ConsumerRecord<byte[], byte[]>> out;
        long modelCalls;
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> registry.load(source, null, Map.of("version", "42")))) {
            awaitAccounted(engine, RECORDS, 120_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
            modelCalls = engine.metrics().modelCalls();
        }
        out = KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, RECORDS, Duration.ofSeconds(30));
        assertEquals(0, KafkaRecords.countRecords(KAFKA.broker(), topics.deadLetters));
        assertTrue(modelCalls * 10 <= RECORDS, "micro-batched: " + modelCalls + " model calls for " + RECORDS + " records");

        Map<Integer, List<String>> inputOrder = new HashMap<>();
        for (int i = 0; i < RECORDS; i++) {
            inputOrder.computeIfAbsent(written.get(i).partition(), p -> new ArrayList<>()).add("k-" + i);
        }
        Map<Integer, List<String>> outputOrder = new HashMap<>();
        boolean[] seen = new boolean[RECORDS];
        double maxError = 0;
        for (ConsumerRecord<byte[], byte[]> r : out) {
            PredictionJson p = PredictionJson.parse(r.value());
            assertEquals(new String(r.key(), StandardCharsets.UTF_8), p.key(), "key kept");
            int i = Integer.parseInt(p.key().substring(2));
            assertTrue(!seen[i], "duplicate prediction for " + p.key());
            seen[i] = true;
            double[] want = network.forward(inputs[i]);
            double[] got = p.numbers("probabilities");
            int best = 0;
            for (int c = 0; c < want.length; c++) {
                maxError = Math.max(maxError, Math.abs(got[c] - want[c]));
                best = want[c] > want[best] ? c : best;
            }
            assertEquals(Integer.toString(best), p.label(), "label of " + p.key());
            assertEquals("42", p.version());
            assertEquals("net", p.model());
            assertEquals("net", new String(r.headers().lastHeader(DeadLetterHeaders.MODEL_NAME).value(), StandardCharsets.UTF_8));
            outputOrder.computeIfAbsent(r.partition(), x -> new ArrayList<>()).add(p.key());
        }
        assertTrue(maxError <= 1e-5, "max |error| " + maxError);
        assertEquals(inputOrder, outputOrder, "each output partition holds its input partition's records in order");
    }
}
