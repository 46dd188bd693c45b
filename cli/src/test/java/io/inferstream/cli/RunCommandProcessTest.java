package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code inferstream run} as an operator runs it: a separate JVM serving a model from a properties file, stopped
 * with SIGTERM (a supervisor) or SIGINT (Ctrl-C). Every record must be predicted and its offset committed before
 * the process ends, and a graceful stop must exit 0, as the usage text promises, not the JVM's 143/130.
 */
class RunCommandProcessTest {
    private static final int RECORDS = 2_000;

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void servesFromAPropertiesFileAndStopsGracefullyWithExitCodeZero(String signal) throws Exception {
        String in = "run-in-" + signal;
        String outTopic = "run-out-" + signal;
        String group = "run-test-" + signal;
        KAFKA.broker().createTopic(in, 2);
        KAFKA.broker().createTopic(outTopic, 2);
        KAFKA.broker().createTopic("run-dlt-" + signal, 1);
        Files.write(dir.resolve("classifier.onnx"), OnnxModelWriter.referenceClassifier());
        Path config = Files.write(dir.resolve("app.properties"), List.of(
                "bootstrap.servers=" + KAFKA.broker().bootstrapServers(),
                "group.id=" + group,
                "input.topics=" + in,
                "output.topic=" + outTopic,
                "dead.letter.topic=run-dlt-" + signal,
                "model.path=classifier.onnx", // relative to the properties file
                "input.concat.features=f0,f1,f2,f3",
                "model.class.labels=low,mid,high",
                "worker.threads=2",
                "producer.linger.ms=10"));
        double[][] inputs = ReferenceClassifier.sampleInputs(RECORDS, 5);
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("r" + i, ReferenceClassifier.toJson(inputs[i])));
        }
        KafkaRecords.produceStrings(KAFKA.broker(), in, records);

        Path log = dir.resolve("run.log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--config", config.toString(),
                "--status-interval-seconds", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            List<ConsumerRecord<byte[], byte[]>> out;
            try {
                out = KafkaRecords.consumeBytes(KAFKA.broker(), outTopic, RECORDS, Duration.ofSeconds(90));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + (process.isAlive() ? "" : "; the run exited with "
                        + process.exitValue()) + "; it printed:\n" + Files.readString(log), e);
            }
            for (ConsumerRecord<byte[], byte[]> r : out) {
                PredictionJson p = PredictionJson.parse(r.value());
                int i = Integer.parseInt(p.key().substring(1));
                assertEquals(ReferenceClassifier.label(inputs[i]), p.label(), p.key());
            }
        } finally {
            // What a supervisor (SIGTERM) or an operator at the terminal (Ctrl-C: SIGINT) sends.
            int sent = new ProcessBuilder("kill", "-s", signal, Long.toString(process.pid())).inheritIO().start().waitFor();
            assertEquals(0, sent, "kill -s " + signal);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("run did not stop within 60 s of SIG" + signal + ":\n" + Files.readString(log));
            }
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "a graceful stop on SIG" + signal + " is a success; it printed:\n" + output);
        assertTrue(output.contains("inferstream: SIG" + signal + " received, stopping gracefully"), output);
        assertTrue(output.contains("inferstream: serving classifier:1"), output);
        assertTrue(output.contains("inferstream: stopped: in=" + RECORDS + " predictions=" + RECORDS), output);
        assertTrue(output.contains("Stopped: in=" + RECORDS + " predictions=" + RECORDS + " deadLetters=0"), output);
        try (Admin admin = Admin.create(KAFKA.broker().adminConfig())) {
            Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            long sum = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
            assertEquals(RECORDS, sum, "every record's offset committed before the process ended");
        }
    }
}
