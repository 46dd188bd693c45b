package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.engine.DeadLetterHeaders;
import io.inferstream.model.ModelRegistry;
import io.inferstream.streams.example.EmbedModelInKafkaStreams;
import io.inferstream.testkit.fixtures.DenseNetwork;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import io.inferstream.testkit.onnx.OnnxModelWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor on a real broker: a Streams application with exactly_once_v2 killed (SIGKILL) mid-run and
 * restarted, and hot swap from a model topic.
 */
class KafkaStreamsOnBrokerTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    static final int RECORDS = 10_000;
    static final int BAD_EVERY = 500; // records 499, 999, ...: 20 that cannot be decoded

    @TempDir
    Path dir;

    @Test
    void killedAndRestartedMidRunEveryRecordIsScoredExactlyOnce() throws Exception {
        DenseNetwork net = DenseNetwork.random(12, 8, 4, 42);
        Path model = Files.write(dir.resolve("net.onnx"), OnnxModelWriter.denseNetwork(net));
        KAFKA.broker().createTopic("events", 2);
        KAFKA.broker().createTopic("predictions", 2);
        KAFKA.broker().createTopic("dead-letters", 1);
        float[][] rows = net.sampleInputs(RECORDS, 5);

        Process first = startApp(model, "first");
        // Records arrive while the application runs (about 3,000/s), so the kill lands mid-stream.
        CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> produce(rows));
        long outputAtKill = waitForOutputOffsets(2_000, Duration.ofSeconds(90), first);
        first.destroyForcibly().waitFor();
        int committedAtKill = readCommitted(0, Duration.ofSeconds(3)).size();

        Process second = startApp(model, "second");
        try {
            producing.get();
            List<ConsumerRecord<String, String>> out = readCommitted(RECORDS, Duration.ofSeconds(120));
            assertTrue(committedAtKill < RECORDS, "the kill came before the end: " + committedAtKill + " committed");
            System.out.printf("killed with %,d output records written (committed or not), %,d committed; after the "
                    + "restart %,d committed%n", outputAtKill, committedAtKill, out.size());
            List<String> restored = Files.readAllLines(dir.resolve("second.log")).stream()
                    .filter(l -> l.contains("scored first")).toList();
            restored.forEach(l -> System.out.println("second run: " + l));
            // Records buffered (offsets committed, not yet scored) when the first run died were restored and scored:
            // without the changelogged buffer they would be missing below.
            assertTrue(!restored.isEmpty(), "the kill left no committed buffer to restore; see second.log");
            assertExactlyOnce(out, rows, net);
        } finally {
            second.destroy(); // SIGTERM: the shutdown hook closes Streams cleanly
            second.waitFor();
        }
    }

    private void assertExactlyOnce(List<ConsumerRecord<String, String>> out, float[][] rows, DenseNetwork net) {
        Map<String, ConsumerRecord<String, String>> predictions = new HashMap<>();
        Map<String, ConsumerRecord<String, String>> dead = new HashMap<>();
        for (ConsumerRecord<String, String> r : out) {
            Map<String, ConsumerRecord<String, String>> into = r.topic().equals("predictions") ? predictions : dead;
            if (into.put(r.key(), r) != null) {
                throw new AssertionError(r.key() + " written twice to " + r.topic());
            }
        }
        assertEquals(RECORDS - RECORDS / BAD_EVERY, predictions.size());
        assertEquals(RECORDS / BAD_EVERY, dead.size());
        var serde = InferenceSerdes.prediction().deserializer();
        for (int i = 0; i < RECORDS; i++) {
            String key = "k" + i;
            if (isBad(i)) {
                ConsumerRecord<String, String> d = dead.get(key);
                assertEquals(DeadLetterHeaders.STAGE_DECODE, header(d, DeadLetterHeaders.STAGE), key);
                assertEquals("events", header(d, DeadLetterHeaders.TOPIC), key);
                continue;
            }
            ConsumerRecord<String, String> p = predictions.get(key);
            ScoredPrediction scored = serde.deserialize("predictions", p.value().getBytes(StandardCharsets.UTF_8));
            assertArrayEquals(net.forward(rows[i]), scored.numbers("probabilities"), 1e-5, key);
            assertEquals("net", header(p, DeadLetterHeaders.MODEL_NAME));
        }
        // Order within each input partition: keys are produced in increasing order, so per output partition (one
        // per input partition: same key, same partitioner, same partition count) they must still increase.
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

    private static boolean isBad(int i) {
        return i % BAD_EVERY == BAD_EVERY - 1;
    }

    private static void produce(float[][] rows) {
        for (int from = 0; from < RECORDS; from += 100) {
            List<Map.Entry<String, String>> chunk = new ArrayList<>(100);
            for (int i = from; i < from + 100; i++) {
                chunk.add(new AbstractMap.SimpleEntry<>("k" + i, isBad(i) ? "{\"input\": [" : DenseNetwork.toJson(rows[i])));
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

    private Process startApp(Path model, String name) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve(name + ".log");
        return new ProcessBuilder(java, "-Xmx512m", "-Xss16m", "-Djava.io.tmpdir=" + dir,
                "-cp", System.getProperty("java.class.path"), StreamsAppMain.class.getName(),
                KAFKA.broker().bootstrapServers(), model.toString(), dir.resolve("state").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** @return the output records written so far (transactions committed or not) once there are {@code min}. */
    private long waitForOutputOffsets(long min, Duration timeout, Process app) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long n = KafkaRecords.countRecords(KAFKA.broker(), "predictions");
            if (n >= min) {
                return n;
            }
            if (!app.isAlive()) {
                throw new AssertionError("the Streams application exited early: " + Files.readString(dir.resolve("first.log")));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no output within " + timeout);
    }

    /** Reads predictions and dead letters as a read_committed consumer until {@code count} arrive or time is up. */
    private List<ConsumerRecord<String, String>> readCommitted(int count, Duration timeout) {
        Map<String, Object> config = KAFKA.broker().stringConsumerConfig(null);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
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
            // Past the count, keep reading a little: a duplicate would arrive after the last expected record.
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                if (out.size() >= count && quietUntil == Long.MAX_VALUE) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                }
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aVersionPublishedToTheModelTopicIsSwappedInWithoutARestart() throws Exception {
        DenseNetwork v1 = DenseNetwork.random(12, 8, 4, 101);
        DenseNetwork v2 = DenseNetwork.random(12, 8, 4, 202);
        Map<String, Object> clients = Map.of("bootstrap.servers", KAFKA.broker().bootstrapServers());
        try (ModelPublisher publisher = new ModelPublisher(clients, "models")) {
            publisher.ensureTopic(Duration.ofSeconds(30));
            publisher.publish("fraud", "1", Files.write(dir.resolve("v1.onnx"), OnnxModelWriter.denseNetwork(v1)),
                    "onnx", 64 * 1024);
            try (Inference inference = Inference.fromModelTopic(clients, "models", "fraud", ModelRegistry.discover(),
                    InferenceOptions.builder().maxBatchSize(5).predictionChild("predictions")
                            .deadLetterChild("dead-letters").build())) {
                Properties props = new Properties();
                props.put(StreamsConfig.APPLICATION_ID_CONFIG, "hot-swap");
                props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
                float[][] rows = v1.sampleInputs(10, 3);
                try (TopologyTestDriver driver = new TopologyTestDriver(EmbedModelInKafkaStreams.topology(inference),
                        props, Instant.EPOCH)) {
                    TestInputTopic<String, String> in = driver.createInputTopic("events", new StringSerializer(),
                            new StringSerializer());
                    TestOutputTopic<String, String> out = driver.createOutputTopic("predictions",
                            new StringDeserializer(), new StringDeserializer());
                    for (int i = 0; i < 5; i++) {
                        in.pipeInput("a" + i, DenseNetwork.toJson(rows[i]));
                    }
                    assertScoredBy(out.readRecordsToList(), rows, 0, "1", v1);

                    publisher.publish("fraud", "2", Files.write(dir.resolve("v2.onnx"),
                            OnnxModelWriter.denseNetwork(v2)), "onnx", 64 * 1024);
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (inference.deployments().swaps() < 1 && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertEquals("fraud:2", inference.describe(), "the new version serves");
                    for (int i = 5; i < 10; i++) {
                        in.pipeInput("b" + i, DenseNetwork.toJson(rows[i]));
                    }
                    assertScoredBy(out.readRecordsToList(), rows, 5, "2", v2);
                }
            }
        }
    }

    private static void assertScoredBy(List<TestRecord<String, String>> out, float[][] rows, int from, String version,
            DenseNetwork net) {
        assertEquals(5, out.size());
        var serde = InferenceSerdes.prediction().deserializer();
        for (int i = 0; i < out.size(); i++) {
            ScoredPrediction p = serde.deserialize("p", out.get(i).value().getBytes(StandardCharsets.UTF_8));
            assertEquals(version, p.version());
            assertEquals(version, new String(out.get(i).headers().lastHeader(DeadLetterHeaders.MODEL_VERSION).value(),
                    StandardCharsets.UTF_8));
            assertArrayEquals(net.forward(rows[from + i]), p.numbers("probabilities"), 1e-5);
        }
    }
}
