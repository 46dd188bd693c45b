package io.inferstream.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's way to serve your own adapter: {@code INFERSTREAM_CLASSPATH=<this module's classes>
 * bin/inferstream run --config fraud.properties}, the repository's launcher in its own process (the CLI it runs was
 * built by this same reactor, hence INFERSTREAM_SKIP_BUILD), on a real broker, stopped with SIGTERM.
 */
class RunThroughLauncherTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    @Test
    void binInferstreamRunServesTheCustomModel() throws Exception {
        KAFKA.broker().createTopic("txn", 1);
        KAFKA.broker().createTopic("scores", 1);
        KAFKA.broker().createTopic("txn-dlt", 1);
        Path config = Files.write(dir.resolve("fraud.properties"), List.of(
                "bootstrap.servers=" + KAFKA.broker().bootstrapServers(),
                "group.id=fraud", "input.topics=txn", "output.topic=scores", "dead.letter.topic=txn-dlt",
                "model.path=" + RulesLogisticModelTest.FRAUD.toAbsolutePath()));
        List<Map.Entry<String, String>> records = new ArrayList<>();
        records.add(new AbstractMap.SimpleImmutableEntry<>("t1", "{\"amount\": 25000, \"hour\": 14, \"foreign\": 0, \"velocity\": 1}"));
        records.add(new AbstractMap.SimpleImmutableEntry<>("t2", "{\"amount\": 40, \"hour\": 14, \"foreign\": 0, \"velocity\": 1}"));
        records.add(new AbstractMap.SimpleImmutableEntry<>("t3", "{\"amount\": 40, \"foreign\": 0, \"velocity\": 1}"));
        KafkaRecords.produceStrings(KAFKA.broker(), "txn", records);

        Path launcher = Path.of("../../bin/inferstream").toAbsolutePath().normalize();
        Path log = dir.resolve("run.log");
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("INFERSTREAM_CLASSPATH", Path.of("target/classes").toAbsolutePath().toString());
        pb.environment().put("INFERSTREAM_SKIP_BUILD", "1");
        Process process = pb.start();
        try {
            List<ConsumerRecord<byte[], byte[]>> out;
            try {
                out = KafkaRecords.consumeBytes(KAFKA.broker(), "scores", 2, Duration.ofSeconds(90));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; the run printed:\n" + Files.readString(log), e);
            }
            for (ConsumerRecord<byte[], byte[]> r : out) {
                PredictionJson p = PredictionJson.parse(r.value());
                assertEquals(p.key().equals("t1") ? "fraud" : "legit", p.label(), p.key());
            }
            assertEquals(1, KafkaRecords.countRecords(KAFKA.broker(), "txn-dlt"), "t3 lacks 'hour': a dead letter");
        } finally {
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "run did not stop on SIGTERM");
        }
        String output = Files.readString(log);
        assertTrue(output.contains("inferstream: serving fraud:1"), output);
    }
}
