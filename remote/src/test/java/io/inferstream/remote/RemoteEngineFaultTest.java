package io.inferstream.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.engine.ModelSources;
import io.inferstream.model.ModelRegistry;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The real engine on a real broker, configured only by properties ({@code model.url}), scoring through a model server
 * that fails in every way a network does: it stalls past the timeout, answers 503, drops the connection, returns
 * malformed JSON, and goes away altogether. Every record ends as a prediction (checked against 2 (x0 + x1 + x2),
 * computed here) or, only when the server refuses that record, as a dead letter carrying the server's message;
 * no transient fault dead-letters anything, and the engine resumes by itself each time the server recovers.
 */
class RemoteEngineFaultTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final int PER_PHASE = 120;
    private int produced;
    private int refusedProduced;

    private void produce(String topic, int count) {
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int n = produced++;
            boolean refused = n % 40 == 7; // the server refuses a negative x0, naming the record
            if (refused) {
                refusedProduced++;
            }
            records.add(new AbstractMap.SimpleImmutableEntry<>("k-" + n,
                    "{\"x\":[" + (refused ? -1 : n) + ", 0.5, " + (n % 7) + "]}"));
        }
        KafkaRecords.produceStrings(KAFKA.broker(), topic, records);
    }

    private static void await(BooleanSupplier condition, long timeoutMs, Supplier<String> message)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(message.get());
            }
            Thread.sleep(20);
        }
    }

    @Test
    void transientFaultsHoldTheBatchUntilTheServerRecoversAndOnlyRefusedRecordsAreDeadLettered() throws Exception {
        String in = "remote-in";
        String out = "remote-out";
        String dlt = "remote-dlt";
        KAFKA.broker().createTopic(in, 2);
        KAFKA.broker().createTopic(out, 2);
        KAFKA.broker().createTopic(dlt, 1);
        HandWrittenServer server = new HandWrittenServer(0);
        int port = server.port();
        Map<String, Object> p = new HashMap<>();
        p.put(EngineConfig.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        p.put(EngineConfig.GROUP_ID, "remote-group");
        p.put(EngineConfig.INPUT_TOPICS, in);
        p.put(EngineConfig.OUTPUT_TOPIC, out);
        p.put(EngineConfig.DEAD_LETTER_TOPIC, dlt);
        p.put(EngineConfig.MODEL_URL, server.v2Url("scale"));
        p.put(EngineConfig.WORKER_THREADS, 2);
        p.put(EngineConfig.MAX_BATCH_SIZE, 40);
        p.put(RemoteSettings.TIMEOUT_MS, 500L);
        p.put(RemoteSettings.RETRIES, 1);
        p.put(RemoteSettings.RETRY_BACKOFF_MS, 10L);
        p.put(RemoteSettings.BREAKER_FAILURES, 3);
        p.put(RemoteSettings.BREAKER_OPEN_MS, 300L);
        p.put(EngineConfig.RETRY_BACKOFF_INITIAL_MS, 50L);
        p.put(EngineConfig.RETRY_BACKOFF_MAX_MS, 500L);
        server.stallMs = 1_200;
        EngineConfig config = new EngineConfig(p);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (InferenceEngine engine = InferenceEngine.start(config,
                ModelSources.fromConfig(config, ModelRegistry.discover(), Path.of(".")), meters)) {
            EngineMetrics m = engine.metrics();
            assertEquals("scale", engine.modelInfo().name());
            produce(in, PER_PHASE);
            await(() -> m.predictionsOut() + m.deadLetters() >= produced, 60_000, () -> "not accounted: " + m);

            for (HandWrittenServer.Fault fault : List.of(HandWrittenServer.Fault.UNAVAILABLE_503,
                    HandWrittenServer.Fault.DROP, HandWrittenServer.Fault.STALL, HandWrittenServer.Fault.MALFORMED,
                    HandWrittenServer.Fault.NONE)) {
                long outBefore = m.predictionsOut();
                long deadBefore = m.deadLetters();
                long retriesBefore = m.modelRetries();
                if (fault == HandWrittenServer.Fault.NONE) {
                    server.close(); // the server goes away: connection refused
                } else {
                    server.fault = fault;
                }
                int faultsBefore = server.faultsServed.get();
                produce(in, PER_PHASE);
                await(() -> m.modelRetries() >= retriesBefore + 3, 60_000, () -> fault + ": the engine never held "
                        + "a batch: " + m);
                assertTrue(fault == HandWrittenServer.Fault.NONE || server.faultsServed.get() > faultsBefore, fault.name());
                assertEquals(outBefore, m.predictionsOut(), fault + ": nothing scored while the server fails");
                assertEquals(deadBefore, m.deadLetters(), fault + ": nothing dead-lettered for a transient fault");
                assertEquals(EngineState.RUNNING, engine.state(), fault.name());
                if (fault == HandWrittenServer.Fault.NONE) {
                    server = new HandWrittenServer(port);
                } else {
                    server.fault = HandWrittenServer.Fault.NONE;
                }
                await(() -> m.predictionsOut() + m.deadLetters() >= produced, 60_000,
                        () -> fault + ": did not resume: " + m);
                System.out.printf("%s: held with %d engine retries, resumed%n",
                        fault == HandWrittenServer.Fault.NONE ? "server down" : fault,
                        m.modelRetries() - retriesBefore);
            }
            assertEquals(EngineState.RUNNING, engine.state(), "never restarted");
            assertEquals(produced, m.predictionsOut() + m.deadLetters(), "records in == predictions + dead letters");
            assertEquals(refusedProduced, m.deadLetters(), "only the records the server refused");
            // The client's own meters reach the engine's registry through the engine's model wrappers.
            FunctionCounter clientRetries = meters.find(RemoteModel.RETRIES).functionCounter();
            FunctionCounter requests = meters.find(RemoteModel.REQUESTS).functionCounter();
            assertTrue(clientRetries != null && clientRetries.count() > 0, "client retries bound: " + clientRetries);
            assertTrue(requests.count() > clientRetries.count(), "requests " + requests.count());
            assertTrue(meters.find(RemoteModel.BREAKER_OPEN).gauge() != null, "breaker gauge bound");
        } finally {
            server.close();
        }
        List<ConsumerRecord<String, String>> predictions = KafkaRecords.consumeStrings(KAFKA.broker(), out,
                produced - refusedProduced, Duration.ofSeconds(30));
        Map<String, Double> expected = new HashMap<>();
        for (int n = 0; n < produced; n++) {
            expected.put("k-" + n, 2 * (n + 0.5 + n % 7));
        }
        for (ConsumerRecord<String, String> r : predictions) {
            PredictionJson pj = PredictionJson.parse(r.value().getBytes(StandardCharsets.UTF_8));
            assertEquals(expected.get(r.key()), (Double) pj.outputs().get("y").get(0), 1e-9, r.key());
        }
        assertEquals(produced - refusedProduced, predictions.stream().map(ConsumerRecord::key).distinct().count());
        List<ConsumerRecord<byte[], byte[]>> dead = KafkaRecords.consumeBytes(KAFKA.broker(), dlt, refusedProduced,
                Duration.ofSeconds(30));
        for (ConsumerRecord<byte[], byte[]> d : dead) {
            String reason = new String(d.headers().lastHeader(DeadLetterHeaders.ERROR_MESSAGE).value(),
                    StandardCharsets.UTF_8);
            assertTrue(reason.contains("x[0] must not be negative"), reason);
        }
    }
}
