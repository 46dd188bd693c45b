package io.inferstream.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.PredictionJson;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.kafka.KafkaRecords;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real Spring Boot application context (auto-configuration, the actuator starter's MeterRegistry and health
 * support) running the engine against the sandbox's real broker and a real ONNX model: every record in comes out as
 * a prediction or a dead letter, the health contributor turns UP with readiness and leaves UP when the context
 * closes, the engine's meters are on the application's registry, and closing the context commits what was scored.
 */
class InferstreamStarterTest {
    static final DenseNetwork NET = DenseNetwork.random(12, 8, 4, 7);
    static final int GOOD = 60;
    static final int BAD = 5;

    static EmbeddedKafkaBroker broker;
    @TempDir
    static Path dir;

    @BeforeAll
    static void broker() {
        broker = EmbeddedKafkaBroker.start();
        broker.createTopic("in", 2);
        broker.createTopic("out", 2);
        broker.createTopic("dlq", 1);
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** The application: nothing but auto-configuration. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @Test
    void theContextRunsTheEngineAndClosesItGracefully() throws Exception {
        Path model = Files.write(dir.resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET));
        float[][] rows = NET.sampleInputs(GOOD, 3);
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < GOOD; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("k" + i, DenseNetwork.toJson(rows[i])));
        }
        for (int i = 0; i < BAD; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("bad" + i, "{\"input\": [1, 2"));
        }
        KafkaRecords.produceStrings(broker, "in", records);

        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
                .web(WebApplicationType.NONE)
                .properties("inferstream.bootstrap.servers=" + broker.bootstrapServers(),
                        "inferstream.group.id=spring-app", "inferstream.input.topics=in",
                        "inferstream.output.topic=out", "inferstream.dead.letter.topic=dlq",
                        "inferstream.model.path=" + model,
                        "inferstream.consumer.auto.offset.reset=earliest",
                        // A commit interval longer than the test: the offsets below come from the close.
                        "inferstream.commit.interval.ms=600000")
                .run();
        InferstreamEngineLifecycle lifecycle = context.getBean(InferstreamEngineLifecycle.class);
        HealthIndicator health = context.getBean("inferstream", HealthIndicator.class);
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        InferenceEngine engine;
        try {
            engine = lifecycle.engine().orElseThrow();
            List<ConsumerRecord<String, String>> predictions =
                    KafkaRecords.consumeStrings(broker, "out", GOOD, Duration.ofSeconds(60));
            List<ConsumerRecord<String, String>> deadLetters =
                    KafkaRecords.consumeStrings(broker, "dlq", BAD, Duration.ofSeconds(30));
            assertEquals(GOOD + BAD, predictions.size() + deadLetters.size(), "records in = predictions + dead letters");
            for (ConsumerRecord<String, String> p : predictions) {
                int i = Integer.parseInt(p.key().substring(1));
                double[] expected = NET.forward(rows[i]);
                double[] actual = PredictionJson.parse(p.value().getBytes(StandardCharsets.UTF_8)).numbers("probabilities");
                for (int c = 0; c < expected.length; c++) {
                    assertEquals(expected[c], actual[c], 1e-5, p.key());
                }
            }
            assertTrue(deadLetters.stream().allMatch(d -> d.key().startsWith("bad")));

            Health ready = waitForStatus(health, Status.UP);
            assertEquals(Status.UP, ready.getStatus(), "ready: " + ready.getDetails());
            assertNotNull(meters.find("inferstream.records.in").counter(),
                    "the engine's meters are on the application's registry: " + meters.getMeters().stream()
                            .map(m -> m.getId().getName()).filter(n -> n.startsWith("inferstream")).distinct().toList());
            assertEquals(GOOD + BAD, meters.find("inferstream.records.in").counters().stream()
                    .mapToDouble(c -> c.count()).sum(), 0.0);
        } finally {
            context.close();
        }

        assertSame(EngineState.STOPPED, engine.state(), "closed gracefully, not failed");
        assertNotEquals(Status.UP, health.health().getStatus(), "not ready once closed");
        try (Admin admin = Admin.create(broker.adminConfig())) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("spring-app")
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = committed.keySet().stream()
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            long end = admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
            long done = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
            assertEquals(GOOD + BAD, end);
            assertEquals(end, done, "closing the context committed every scored record: " + committed);
        }
    }

    private static Health waitForStatus(HealthIndicator indicator, Status status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Health h = indicator.health();
        while (!h.getStatus().equals(status) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            h = indicator.health();
        }
        return h;
    }
}
