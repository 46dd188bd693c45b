package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Streams application scoring 10,000 records (20 of them undecodable) on a real broker, killed with SIGKILL
 * mid-run (no close, no commit: a crash) and restarted in a new JVM while records keep arriving. Each concrete class
 * gets a broker of its own and runs it under one processing guarantee.
 *
 * <p>Thread safety: JUnit test support; not for concurrent use.
 */
abstract class KilledAppTestSupport {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    static final int RECORDS = 10_000;
    static final int BAD_EVERY = 500; // records 499, 999, ...: 20 that cannot be decoded
    static final DenseNetwork NET = DenseNetwork.random(12, 8, 4, 42);
    static final float[][] ROWS = NET.sampleInputs(RECORDS, 5);

    @TempDir
    Path dir;

    /** What a killed-and-restarted run left: every output record, and the second run's restored-buffer log lines. */
    static final class Run {
        final List<ConsumerRecord<String, String>> outputs;
        final List<String> restored;

        Run(List<ConsumerRecord<String, String>> outputs, List<String> restored) {
            this.outputs = outputs;
            this.restored = restored;
        }
    }

    /**
     * @param isolation how the outputs are read: read_committed for exactly-once, read_uncommitted otherwise
     */
    Run killAndRestart(String guarantee, String isolation) throws Exception {
        Path model = Files.write(dir.resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET));
        KAFKA.broker().createTopic("events", 2);
        KAFKA.broker().createTopic("predictions", 2);
        KAFKA.broker().createTopic("dead-letters", 1);

        Process first = startApp(model, "first", guarantee);
        // Records arrive while the application runs (about 3,000/s), so the kill lands mid-stream.
        CompletableFuture<Void> producing = CompletableFuture.runAsync(KilledAppTestSupport::produce);
        long outputAtKill = waitForOutputOffsets(2_000, Duration.ofSeconds(90), first);
        first.destroyForcibly().waitFor();
        int readableAtKill = read(0, isolation, Duration.ofSeconds(3)).size();

        Process second = startApp(model, "second", guarantee);
        try {
            producing.get();
            List<ConsumerRecord<String, String>> out = read(RECORDS, isolation, Duration.ofSeconds(120));
            assertTrue(readableAtKill < RECORDS, "the kill came before the end: " + readableAtKill + " readable");
            System.out.printf("%s: killed with %,d output records written, %,d readable (%s); after the restart "
                    + "%,d%n", guarantee, outputAtKill, readableAtKill, isolation, out.size());
            List<String> restored = Files.readAllLines(dir.resolve("second.log")).stream()
                    .filter(l -> l.contains("scored first")).toList();
            restored.forEach(l -> System.out.println("second run: " + l));
            return new Run(out, restored);
        } finally {
            second.destroy(); // SIGTERM: the shutdown hook closes Streams cleanly
            second.waitFor();
            // Keep both runs' logs where a failed build can be looked into (the temporary folder is deleted).
            Path logs = Files.createDirectories(Path.of("target", "killed-app-logs", guarantee));
            for (String run : List.of("first.log", "second.log")) {
                Files.copy(dir.resolve(run), logs.resolve(run), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * Asserts every good record has a prediction equal to the plain-Java forward pass and every bad one a dead
     * letter with its headers, in per-partition order.
     *
     * @param once true: each outcome exactly once; false: at least once (repeats of a crash window allowed)
     */
    static void assertEveryRecordScored(List<ConsumerRecord<String, String>> out, boolean once) {
        Map<String, ConsumerRecord<String, String>> predictions = new HashMap<>();
        Map<String, ConsumerRecord<String, String>> dead = new HashMap<>();
        for (ConsumerRecord<String, String> r : out) {
            Map<String, ConsumerRecord<String, String>> into = r.topic().equals("predictions") ? predictions : dead;
            if (into.put(r.key(), r) != null && once) {
                throw new AssertionError(r.key() + " written twice to " + r.topic());
            }
        }
        assertEquals(RECORDS - RECORDS / BAD_EVERY, predictions.size(), () -> "missing: " + missing(predictions));
        assertEquals(RECORDS / BAD_EVERY, dead.size());
        var serde = InferenceSerdes.prediction().deserializer();
        for (ConsumerRecord<String, String> r : out) {
            int i = Integer.parseInt(r.key().substring(1));
            if (isBad(i)) {
                assertEquals(DeadLetterHeaders.STAGE_DECODE, header(r, DeadLetterHeaders.STAGE), r.key());
                assertEquals("events", header(r, DeadLetterHeaders.TOPIC), r.key());
                continue;
            }
            ScoredPrediction scored = serde.deserialize("predictions", r.value().getBytes(StandardCharsets.UTF_8));
            assertArrayEquals(NET.forward(ROWS[i]), scored.numbers("probabilities"), 1e-5, r.key());
            assertEquals("net", header(r, DeadLetterHeaders.MODEL_NAME));
        }
        if (once) {
            // Keys are produced in increasing order and a key's output partition is its input partition (same key,
            // same partitioner, same partition count), so per output partition they must still increase.
            Map<Integer, Integer> last = new HashMap<>();
            for (ConsumerRecord<String, String> r : out) {
                if (r.topic().equals("predictions")) {
                    int i = Integer.parseInt(r.key().substring(1));
                    Integer before = last.put(r.partition(), i);
                    assertTrue(before == null || before < i, "order in partition " + r.partition() + ": " + before
                            + " then " + i);
                }
            }
        }
    }

    /** @return the good records without a prediction, as runs of consecutive indexes, e.g. {@code 120-180 (61)}. */
    private static String missing(Map<String, ?> predictions) {
        StringBuilder b = new StringBuilder();
        int runStart = -1;
        for (int i = 0; i <= RECORDS; i++) {
            boolean absent = i < RECORDS && !isBad(i) && !predictions.containsKey("k" + i);
            if (absent && runStart < 0) {
                runStart = i;
            } else if (!absent && runStart >= 0 && (i == RECORDS || !isBad(i))) {
                b.append(runStart).append('-').append(i - 1).append(" (").append(i - runStart).append(") ");
                runStart = -1;
            }
        }
        return b.toString();
    }

    private static boolean isBad(int i) {
        return i % BAD_EVERY == BAD_EVERY - 1;
    }

    private static void produce() {
        for (int from = 0; from < RECORDS; from += 100) {
            List<Map.Entry<String, String>> chunk = new ArrayList<>(100);
            for (int i = from; i < from + 100; i++) {
                chunk.add(new AbstractMap.SimpleEntry<>("k" + i, isBad(i) ? "{\"input\": [" : DenseNetwork.toJson(ROWS[i])));
            }
            KafkaRecords.produceStrings(KAFKA.broker(), "events", chunk);
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Process startApp(Path model, String name, String guarantee) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx512m", "-Xss16m", "-Djava.io.tmpdir=" + dir,
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams=info",
                "-Dorg.slf4j.simpleLogger.log.io.inferstream.streams=debug", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", System.getProperty("java.class.path"), StreamsAppMain.class.getName(),
                KAFKA.broker().bootstrapServers(), model.toString(), dir.resolve("state").toString(), guarantee)
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    }

    /** @return the output records written so far (committed or not) once there are {@code min}. */
    private long waitForOutputOffsets(long min, Duration timeout, Process app) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long n = KafkaRecords.countRecords(KAFKA.broker(), "predictions");
            if (n >= min) {
                return n;
            }
            if (!app.isAlive()) {
                throw new AssertionError("the Streams application exited early: "
                        + Files.readString(dir.resolve("first.log")));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no output within " + timeout);
    }

    /** Reads predictions and dead letters until {@code count} distinct keys arrive (then 3 s more, to see repeats). */
    private static List<ConsumerRecord<String, String>> read(int count, String isolation, Duration timeout) {
        Map<String, Object> config = KAFKA.broker().stringConsumerConfig(null);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of("predictions", "dead-letters")) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            long quietUntil = Long.MAX_VALUE;
            Set<String> distinct = new HashSet<>(); // repeats (at-least-once) do not count
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r);
                    distinct.add(r.topic() + "/" + r.key());
                }
                if (distinct.size() >= count && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                }
            }
        }
        return out;
    }

    static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
