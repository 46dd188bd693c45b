package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.engine.ModelSources;
import io.inferstream.model.ModelRegistry;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.kafka.TlsFixture;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and SASL (SCRAM-SHA-512 over TLS) against a real broker with SSL and SASL_SSL listeners and a certificate
 * made in the test. The security settings are given once (security.*, ssl.*, sasl.*) and must reach every client
 * the engine makes: if one did not get them, it could not talk to these listeners and the run would fail — the
 * admin client at start, the consumers and producers while scoring, the model topic's reader and status writer.
 */
class SecureClientsTest {
    @TempDir
    static Path dir;

    private static EmbeddedKafkaBroker broker;
    private static TlsFixture tls;

    @BeforeAll
    static void startBroker() throws Exception {
        tls = TlsFixture.create(dir);
        broker = EmbeddedKafkaBroker.startSecured(tls);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void scoresFromAModelTopicOverTls() throws Exception {
        run("tls", broker.sslBootstrapServers(), tls.sslClientSettings());
    }

    @Test
    void scoresFromAModelTopicOverSaslScramAndTls() throws Exception {
        run("sasl", broker.saslSslBootstrapServers(), tls.saslSslClientSettings());
    }

    private void run(String name, String bootstrap, Map<String, Object> security) throws Exception {
        broker.createTopic(name + "-in", 2);
        broker.createTopic(name + "-out", 2);
        broker.createTopic(name + "-dlt", 1);
        DenseNetwork network = DenseNetwork.random(8, 6, 3, 4);
        Path model = Files.write(dir.resolve(name + ".onnx"), OnnxModelWriter.denseNetwork(network));
        Map<String, Object> clients = new HashMap<>(security);
        clients.put("bootstrap.servers", bootstrap);
        try (ModelPublisher publisher = new ModelPublisher(clients, name + "-models")) {
            publisher.ensureTopic(Duration.ofSeconds(30));
            publisher.publish("net", "1", model, "onnx", 64 * 1024);
        }
        float[][] rows = network.sampleInputs(500, 2);
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            records.add(new AbstractMap.SimpleEntry<>("k" + i, DenseNetwork.toJson(rows[i])));
        }
        KafkaRecords.produceStrings(broker, name + "-in", records);

        Map<String, Object> props = new HashMap<>(security);
        props.put(EngineConfig.BOOTSTRAP_SERVERS, bootstrap);
        props.put(EngineConfig.GROUP_ID, name + "-group");
        props.put(EngineConfig.INPUT_TOPICS, name + "-in");
        props.put(EngineConfig.OUTPUT_TOPIC, name + "-out");
        props.put(EngineConfig.DEAD_LETTER_TOPIC, name + "-dlt");
        props.put(EngineConfig.MODEL_TOPIC, name + "-models");
        props.put(EngineConfig.MODEL_NAME, "net");
        props.put(EngineConfig.WORKER_THREADS, 2);
        EngineConfig config = new EngineConfig(props);
        try (InferenceEngine engine = InferenceEngine.start(config,
                ModelSources.fromConfig(config, ModelRegistry.discover(), dir))) {
            long deadline = System.currentTimeMillis() + 60_000;
            while (engine.metrics().predictionsOut() < rows.length && System.currentTimeMillis() < deadline
                    && engine.failure().isEmpty()) {
                Thread.sleep(20);
            }
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
            assertEquals(rows.length, engine.metrics().predictionsOut());
            assertTrue(engine.clusterReachable(), "the cluster watch reaches the secured listener too");
        }
        for (ConsumerRecord<byte[], byte[]> r : KafkaRecords.consumeBytes(broker, name + "-out", rows.length,
                Duration.ofSeconds(30))) {
            PredictionJson p = PredictionJson.parse(r.value());
            double[] want = network.forward(rows[Integer.parseInt(p.key().substring(1))]);
            double[] got = p.numbers("probabilities");
            for (int c = 0; c < want.length; c++) {
                assertEquals(want[c], got[c], 1e-5);
            }
        }
        Map<String, Map<String, Object>> statuses = ModelLifecycleTest.readStatuses(broker, name + "-models", "net");
        assertEquals("LOADED", statuses.get("1").get("state"), "the status writer reached the model topic");
    }
}
