package io.inferstream.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.deploy.kafka.ModelTopicReader;
import io.inferstream.deploy.kafka.ModelTopicState;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter.ElementType;
import io.inferstream.sandbox.models.OnnxModelWriter.ValueType;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ScratchDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The engine's guarantees under crashes, proved with real processes: one Kafka broker and every engine run as JVMs
 * of their own ({@link BrokerProcess}, {@code io.inferstream.cli.Main run --config app.properties}), are killed with
 * SIGKILL at random moments while output flows, and are restarted; an independent reader in this JVM counts every
 * key in the output and dead-letter topics. Also the bad-input and bad-model matrices through an engine process.
 *
 * <p>Sized to finish in a few minutes on 2 shared cores: 30,000 records per kill scenario instead of the issue's
 * 200,000 (the figures that matter — lost, duplicates, stall — do not depend on the count). The random seed is
 * printed; {@code -Dchaos.seed=N} repeats a run's kill moments. The table of figures is printed at the end and
 * written to {@code target/chaos-report.md}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosSuiteTest {
    private static final int INPUTS = 16;
    private static final DenseNetwork NETWORK = DenseNetwork.random(INPUTS, 8, 4, 42);
    private static final int KILLS = 5;
    private static final int KILL_RECORDS = 30_000;
    private static final int KILL_RATE = 1_000;
    /** Every engine's max.batch.size and worker.threads (engineConfig): the batches a kill can catch in flight. */
    private static final int MAX_BATCH_SIZE = 200;
    private static final int WORKERS = 2;
    /** Exactly-once restarts must resume well within the producer's transaction timeout (10 s by default). */
    private static final Duration MAX_EXACTLY_ONCE_STALL = Duration.ofSeconds(15);
    private static final String ENGINE_MAIN = "io.inferstream.cli.Main";

    private final ChaosReport report = new ChaosReport();
    private final long seed = Long.getLong("chaos.seed", System.currentTimeMillis());
    private final Random random = new Random(seed);
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private ScratchDirectory scratch;
    private Path work;
    private Path logs;
    private Path model;
    private BrokerProcess broker;
    private Admin admin;

    @BeforeAll
    void startBroker() throws Exception {
        System.out.println("chaos suite: seed " + seed + " (repeat with -Dchaos.seed=" + seed + ")");
        scratch = ScratchDirectory.create("inferstream-chaos-");
        work = scratch.path();
        // Process logs are kept under target/ for a post-mortem; those of an earlier run are removed.
        logs = Files.createDirectories(reportFile().getParent().resolve("chaos-logs"));
        try (java.util.stream.Stream<Path> old = Files.list(logs)) {
            for (Path f : old.toList()) {
                Files.deleteIfExists(f);
            }
        }
        model = Files.write(work.resolve("model.onnx"), OnnxModelWriter.denseNetwork(NETWORK));
        broker = BrokerProcess.start(work.resolve("broker-data"), logs.resolve("broker.log"));
        Map<String, Object> a = new HashMap<>();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        a.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        admin = Admin.create(a);
    }

    @AfterAll
    void stopEverything() throws Exception {
        try {
            for (AutoCloseable c : toClose) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("chaos suite: closing " + c + ": " + e);
                }
            }
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
            }
            if (broker != null) {
                broker.close();
            }
        } finally {
            if (scratch != null) {
                scratch.close(); // the broker's data folder and the model files
            }
            System.out.println();
            System.out.println(report.markdown());
            report.write(reportFile());
            System.out.println("chaos suite: report written to " + reportFile() + "; process logs in " + logs);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void badInputMatrix() throws Exception {
        String name = "bad-input";
        int maxRecordBytes = 60_000;
        createTopic(name + "-in", 1, Map.of());
        createTopic(name + "-out", 1, Map.of());
        // Smaller than some values below: those dead letters must be cut to fit, not block the partition.
        createTopic(name + "-dlt", 1, Map.of("max.message.bytes", "20000"));
        ChildJvm engine = engine(name, engineConfig(name, Map.of("worker.threads", "1",
                "input.max.record.bytes", Integer.toString(maxRecordBytes))));

        String row = DenseNetwork.toJson(NETWORK.sampleInputs(1, 1)[0]);
        String row15 = row.substring(0, row.lastIndexOf(',')) + "]}";
        String nums15 = row15.substring(row15.indexOf('[') + 1, row15.lastIndexOf(']'));
        Map<String, byte[]> bad = new LinkedHashMap<>();
        Map<String, String> expected = new LinkedHashMap<>();
        add(bad, expected, "not-json", "decode", "hello, world".getBytes(StandardCharsets.UTF_8));
        add(bad, expected, "empty", "decode", new byte[0]);
        add(bad, expected, "tombstone", "decode", null);
        // Latin-1 text: the é is byte 0xE9, not UTF-8. Before the model's input, and after it in an ignored field.
        add(bad, expected, "not-utf8", "decode", ("{\"name\":\"caf\u00e9\"," + row.substring(1))
                .getBytes(StandardCharsets.ISO_8859_1));
        add(bad, expected, "not-utf8-in-ignored-field", "decode", (row.substring(0, row.length() - 1)
                + ",\"name\":\"caf\u00e9\"}").getBytes(StandardCharsets.ISO_8859_1));
        add(bad, expected, "json-array", "decode", "[1,2,3]".getBytes(StandardCharsets.UTF_8));
        add(bad, expected, "truncated", "decode", row.substring(0, row.length() / 2).getBytes(StandardCharsets.UTF_8));
        add(bad, expected, "nested-10000", "decode", ("{\"input\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}")
                .getBytes(StandardCharsets.UTF_8));
        add(bad, expected, "missing-field", "validate", row.replace("\"input\"", "\"pixels\"")
                .getBytes(StandardCharsets.UTF_8));
        add(bad, expected, "wrong-type", "validate", "{\"input\":\"sixteen floats\"}".getBytes(StandardCharsets.UTF_8));
        add(bad, expected, "wrong-length", "validate", row15.getBytes(StandardCharsets.UTF_8));
        add(bad, expected, "nan", "validate", ("{\"input\":[NaN," + nums15 + "]}").getBytes(StandardCharsets.UTF_8));
        add(bad, expected, "infinity", "validate", ("{\"input\":[Infinity," + nums15 + "]}")
                .getBytes(StandardCharsets.UTF_8));
        add(bad, expected, "1e999", "validate", ("{\"input\":[1e999," + nums15 + "]}").getBytes(StandardCharsets.UTF_8));
        add(bad, expected, "duplicate-field", "decode", ("{\"input\":" + row.substring(9, row.length() - 1)
                + ",\"input\":" + row.substring(9, row.length() - 1) + "}").getBytes(StandardCharsets.UTF_8));
        // A good record padded to exactly the limit is scored: the limit is inclusive, nothing is cut short.
        add(bad, expected, "at-limit-valid", "output", padded(row, maxRecordBytes));
        add(bad, expected, "over-limit-by-1", "decode", padded(row, maxRecordBytes + 1));
        // Within the input limit but larger than the dead-letter topic's max.message.bytes (20,000): cut to fit.
        add(bad, expected, "under-limit-bigger-than-dlt", "validate", padded(row15, maxRecordBytes - 1));
        add(bad, expected, "far-over-every-limit", "decode", padded(row, 500_000));

        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        int good = 0;
        for (Map.Entry<String, byte[]> b : bad.entrySet()) {
            for (int i = 0; i < 3; i++) {
                records.add(record(name + "-in", "good-" + good++, row.getBytes(StandardCharsets.UTF_8)));
            }
            records.add(record(name + "-in", "bad-" + b.getKey(), b.getValue()));
        }
        for (int i = 0; i < 3; i++) {
            records.add(record(name + "-in", "good-" + good++, row.getBytes(StandardCharsets.UTF_8)));
        }
        produceAll(records);

        long started = System.nanoTime();
        try (Tally tally = new Tally(broker.bootstrapServers(), name + "-out", name + "-dlt", false)) {
            engine.start();
            Set<String> keys = new TreeSet<>();
            records.forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!keys.stream().allMatch(k -> tally.outputCounts().containsKey(k)
                    || tally.deadLetterCounts().containsKey(k))) {
                assertTrue(engine.isAlive(), "the engine stopped on bad input:\n" + engine.logTail(40));
                assertTrue(System.nanoTime() < deadline, "not every record came out within 90 s:\n"
                        + engine.logTail(40));
                TimeUnit.MILLISECONDS.sleep(200);
            }
            assertTrue(engine.isAlive(), "the engine is still serving after the whole matrix");
            int exit = engine.terminate(Duration.ofSeconds(60));
            tally.awaitCaughtUp(broker.bootstrapServers(), false, Duration.ofSeconds(30));

            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < good; i++) {
                if (tally.outputCounts().getOrDefault("good-" + i, 0) != 1) {
                    wrong.add("good-" + i + " scored " + tally.outputCounts().getOrDefault("good-" + i, 0) + " times");
                }
            }
            Map<String, Tally.DeadLetter> byKey = new HashMap<>();
            tally.deadLetters().forEach(d -> byKey.put(d.key(), d));
            for (Map.Entry<String, String> e : expected.entrySet()) {
                Tally.DeadLetter d = byKey.get("bad-" + e.getKey());
                String stage = d != null ? d.headers().get("inferstream.dlt.stage")
                        : tally.outputCounts().containsKey("bad-" + e.getKey()) ? "output" : "(nowhere)";
                String reason = d == null ? "scored" : d.headers().getOrDefault("inferstream.dlt.error.message", "")
                        + (d.headers().containsKey("inferstream.dlt.truncated")
                        ? " [dead letter cut to fit: value " + d.valueBytes() + " of "
                        + d.headers().get("inferstream.dlt.value.original.bytes") + " bytes]" : "");
                report.badInput(e.getKey(), e.getValue(), stage, reason);
                if (!e.getValue().equals(stage)) {
                    wrong.add(e.getKey() + ": expected " + e.getValue() + ", got " + stage + " (" + reason + ")");
                }
                if (d != null && (reason.isBlank() || !d.headers().containsKey("inferstream.dlt.error.class"))) {
                    wrong.add(e.getKey() + ": dead letter without a reason: " + d.headers());
                }
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            report.add(new ChaosReport.Scenario("bad-input matrix, 1 engine process", records.size(), "0",
                    keys.size() - keys.stream().filter(k -> tally.outputCounts().containsKey(k)
                            || tally.deadLetterCounts().containsKey(k)).count(),
                    tally.duplicates("good-", good), "-", Long.toString(seconds),
                    bad.size() + " bad records between " + good + " good ones; " + tally.deadLetters().size()
                            + " dead letters; engine never stopped; SIGTERM exit " + exit));
            assertTrue(wrong.isEmpty(), String.join("\n", wrong));
            assertEquals(0, exit, "a graceful stop exits 0:\n" + engine.logTail(20));
        }
    }

    @Test
    @Order(2)
    void badModelMatrix() throws Exception {
        String name = "bad-model";
        String modelTopic = name + "-models";
        createScenarioTopics(name, 2);
        publish(modelTopic, "1", model, "onnx");
        ChildJvm engine = engine(name, engineConfig(name, Map.of("model.path", "", "model.topic", modelTopic,
                "model.name", "chaos")));
        long started = System.nanoTime();
        try (Tally tally = new Tally(broker.bootstrapServers(), name + "-out", name + "-dlt", false)) {
            engine.start();
            try (Feeder before = new Feeder(broker.bootstrapServers(), name + "-in", "before-", 500, 2_000, INPUTS)) {
                before.start().awaitDone(60_000);
            }
            assertTrue(tally.awaitAccounted("before-", 500, Duration.ofSeconds(90)), engine.logTail(40));

            Map<String, String> what = new LinkedHashMap<>();
            byte[] garbage = new byte[4096];
            new Random(7).nextBytes(garbage);
            what.put("2", "corrupt file (random bytes)");
            publish(modelTopic, "2", Files.write(work.resolve("v2.onnx"), garbage), "onnx");
            what.put("3", "wrong checksum in a hand-written descriptor");
            byte[] v3 = OnnxModelWriter.denseNetwork(DenseNetwork.random(INPUTS, 8, 4, 3));
            writeRaw(modelTopic, "chaos/versions/3/chunk/0", v3);
            writeRaw(modelTopic, "chaos/versions/3", ("{\"name\":\"chaos\",\"version\":\"3\",\"format\":\"onnx\","
                    + "\"sha256\":\"" + "0".repeat(64) + "\",\"size\":" + v3.length + ",\"chunks\":1,"
                    + "\"file\":\"v3.onnx\",\"createdAt\":\"2026-12-02T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8));
            what.put("4", "truncated ONNX file (first half)");
            byte[] v4 = OnnxModelWriter.denseNetwork(DenseNetwork.random(INPUTS, 8, 4, 4));
            publish(modelTopic, "4", Files.write(work.resolve("v4.onnx"), java.util.Arrays.copyOf(v4, v4.length / 2)),
                    "onnx");
            what.put("5", "incompatible: input float[10], traffic has 16 values");
            publish(modelTopic, "5", Files.write(work.resolve("v5.onnx"),
                    OnnxModelWriter.denseNetwork(DenseNetwork.random(10, 8, 4, 5))), "onnx");
            what.put("6", "a real ONNX model published as format h2o-mojo");
            publish(modelTopic, "6", Files.write(work.resolve("v6.onnx"), v3), "h2o-mojo");
            what.put("7", "throws on every batch (Gather with an index out of range)");
            publish(modelTopic, "7", Files.write(work.resolve("v7.onnx"), alwaysFailingModel()), "onnx");
            what.put("8", "wrong number of predictions (sums the batch into one row)");
            publish(modelTopic, "8", Files.write(work.resolve("v8.onnx"), batchCollapsingModel()), "onnx");

            try (Feeder after = new Feeder(broker.bootstrapServers(), name + "-in", "after-", 2_000, 500, INPUTS)) {
                after.start();
                Map<String, Map<String, Object>> statuses = Map.of();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (System.nanoTime() < deadline) {
                    statuses = readStatuses(modelTopic, "chaos");
                    Map<String, Map<String, Object>> now = statuses;
                    if (what.keySet().stream().allMatch(v -> stateOf(v, now) != null
                            && !"LOADING".equals(stateOf(v, now)))) {
                        break;
                    }
                    assertTrue(engine.isAlive(), "the engine stopped on a bad model:\n" + engine.logTail(40));
                    TimeUnit.SECONDS.sleep(1);
                }
                after.awaitDone(60_000);
                assertTrue(tally.awaitAccounted("after-", 2_000, Duration.ofSeconds(90)), engine.logTail(40));
                List<String> wrong = new ArrayList<>();
                for (Map.Entry<String, String> v : what.entrySet()) {
                    Map<String, Object> s = statuses.getOrDefault(v.getKey(), Map.of());
                    String state = String.valueOf(s.getOrDefault("state", "(no status)"));
                    report.badModel(v.getKey(), v.getValue(), state, String.valueOf(s.getOrDefault("reason", "")));
                    if (!"REJECTED".equals(state)) {
                        wrong.add("version " + v.getKey() + " (" + v.getValue() + "): " + s);
                    }
                }
                report.badModel("1", "the good version, published first", String.valueOf(
                        statuses.getOrDefault("1", Map.of()).get("state")), "serving throughout");
                assertTrue(engine.isAlive(), "the engine is still serving after every bad version");
                int exit = engine.terminate(Duration.ofSeconds(60));
                tally.awaitCaughtUp(broker.bootstrapServers(), false, Duration.ofSeconds(30));
                long lost = 2_500 - tally.accounted("before-", 500) - tally.accounted("after-", 2_000);
                report.add(new ChaosReport.Scenario("bad-model matrix via the model topic", 2_500, "0", lost,
                        tally.duplicates("before-", 500) + tally.duplicates("after-", 2_000), "-",
                        Long.toString(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)),
                        what.size() + " bad versions published while serving, all rejected; every prediction by "
                                + "version " + tally.versions() + "; SIGTERM exit " + exit));
                assertTrue(wrong.isEmpty(), String.join("\n", wrong) + "\n" + engine.logTail(40));
                assertEquals(Set.of("1"), tally.versions(), "every prediction by version 1");
                assertEquals(0, lost);
                assertEquals(0, exit);
            }
        }
    }

    private static String stateOf(String version, Map<String, Map<String, Object>> statuses) {
        Map<String, Object> s = statuses.get(version);
        return s == null ? null : String.valueOf(s.get("state"));
    }

    @Test
    @Order(3)
    void atLeastOnceSurvivesKillNineOfTheEngine() throws Exception {
        killAndRestart("at-least-once", "at_least_once", false);
    }

    @Test
    @Order(4)
    void exactlyOnceSurvivesKillNineOfTheEngine() throws Exception {
        killAndRestart("exactly-once", "exactly_once", true);
    }

    /**
     * The engine process is killed {@value #KILLS} times at a random moment while it writes output, and started
     * again each time with the same configuration (and instance.id), while a feeder writes records at a fixed rate.
     * A stall is the time from a restart (the new process's start, so JVM start and model load count) to its first
     * committed batch, seen as the group's committed offsets moving on.
     */
    private void killAndRestart(String name, String guarantee, boolean exactlyOnce) throws Exception {
        String in = name + "-in";
        createScenarioTopics(name, 4);
        ChildJvm engine = engine(name, engineConfig(name, Map.of("processing.guarantee", guarantee,
                "instance.id", name + "-1")));
        String prefix = name + "-";
        long started = System.nanoTime();
        List<Long> stalls = new ArrayList<>();
        long coldStart = -1;
        int kills = 0;
        try (Tally tally = new Tally(broker.bootstrapServers(), name + "-out", name + "-dlt", exactlyOnce);
             Feeder feeder = new Feeder(broker.bootstrapServers(), in, prefix, KILL_RECORDS, KILL_RATE, INPUTS)) {
            feeder.start();
            for (int round = 0; ; round++) {
                long before = committedOffsets(name);
                long startedAt = System.nanoTime();
                engine.start();
                long stall = awaitProgress(name, before, startedAt, engine, feeder);
                if (round == 0) {
                    coldStart = stall;
                } else if (stall >= 0) {
                    stalls.add(stall);
                }
                if (round == KILLS) {
                    break;
                }
                TimeUnit.MILLISECONDS.sleep(300 + random.nextInt(1_700));
                assertTrue(engine.isAlive(), "the engine died by itself:\n" + engine.logTail(40));
                engine.kill();
                kills++;
            }
            Outcome o = settle(feeder, tally, prefix, exactlyOnce, List.of(engine));
            long lost = o.lost();
            long duplicates = o.duplicates();
            int exit = o.exits().get(0);
            long longest = stalls.stream().mapToLong(Long::longValue).max().orElse(-1);
            report.add(new ChaosReport.Scenario(name + " (" + (exactlyOnce ? "read_committed reader"
                    : "read_uncommitted reader") + ")", KILL_RECORDS, kills + " × kill -9 of the engine", lost,
                    duplicates, String.format("%.1f s", longest / 1000.0),
                    Long.toString(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)),
                    "stalls " + seconds(stalls) + "; cold start " + String.format("%.1f s", coldStart / 1000.0)
                            + "; " + KILL_RATE + " records/s in; commit.interval.ms "
                            + (exactlyOnce ? EngineConfig.EXACTLY_ONCE_COMMIT_INTERVAL_MS
                                    : EngineConfig.AT_LEAST_ONCE_COMMIT_INTERVAL_MS)
                            + " (default); instance.id set; SIGTERM exit " + exit + "; "
                            + o.kcatNote()));
            assertEquals(0, lost, "records lost:\n" + engine.logTail(40));
            assertEquals(KILLS, kills);

            if (!exactlyOnce) {
                // A kill repeats the records read since the last commit: at most one commit interval's worth at
                // the feed rate, plus the batches each worker had in flight.
                long bound = kills * (KILL_RATE * EngineConfig.AT_LEAST_ONCE_COMMIT_INTERVAL_MS / 1000
                        + (long) WORKERS * MAX_BATCH_SIZE);
                assertTrue(duplicates <= bound, duplicates + " duplicates after " + kills + " kills, more than the "
                        + "commit interval bounds (" + bound + ")");
            }
            if (exactlyOnce) {
                assertEquals(0, duplicates, "exactly-once: a read_committed reader sees each record once");
                assertTrue(longest < MAX_EXACTLY_ONCE_STALL.toMillis(), "longest stall after a restart " + longest
                        + " ms; stalls " + stalls);
            }
            assertEquals(0, exit, "a graceful stop exits 0:\n" + engine.logTail(20));
        }
    }

    @Test
    @Order(5)
    void threeInstancesInOneGroupTakeOverAKilledOnesPartitions() throws Exception {
        String name = "three-instances";
        createScenarioTopics(name, 6);
        List<ChildJvm> engines = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            // A short session so that the group notices the killed instance within seconds (the default is 45 s).
            engines.add(engine(name + "-" + i, engineConfig(name, Map.of("instance.id", name + "-" + i,
                    "consumer.session.timeout.ms", "4000", "consumer.heartbeat.interval.ms", "1000"))));
        }
        String prefix = name + "-";
        int records = 24_000;
        long started = System.nanoTime();
        try (Tally tally = new Tally(broker.bootstrapServers(), name + "-out", name + "-dlt", false);
             Feeder feeder = new Feeder(broker.bootstrapServers(), name + "-in", prefix, records, KILL_RATE, INPUTS)) {
            for (ChildJvm e : engines) {
                e.start();
            }
            awaitGroup(name, 6, 6, Duration.ofSeconds(90), engines);
            feeder.start();
            awaitProgress(name, committedOffsets(name), System.nanoTime(), engines.get(0), feeder);
            TimeUnit.MILLISECONDS.sleep(1_000 + random.nextInt(2_000));
            ChildJvm victim = engines.get(random.nextInt(3));
            long killedAt = System.nanoTime();
            victim.kill();
            awaitGroup(name, 4, 6, Duration.ofSeconds(60), engines.stream().filter(e -> e != victim).toList());
            long takeover = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            Outcome o = settle(feeder, tally, prefix, false, engines.stream().filter(e -> e != victim).toList());
            List<Integer> exits = o.exits();
            long lost = o.lost();
            report.add(new ChaosReport.Scenario("3 engine processes in one group, 1 killed", records,
                    "1 × kill -9, not restarted", lost, o.duplicates(),
                    String.format("%.1f s", takeover / 1000.0),
                    Long.toString(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)),
                    "stall = kill to its 2 partitions reassigned to the survivors (session.timeout.ms=4000); "
                            + "survivors' SIGTERM exits " + exits + "; " + o.kcatNote()));
            assertEquals(0, lost, "records lost");
            assertEquals(List.of(0, 0), exits);
        }
    }

    @Test
    @Order(6)
    void engineSurvivesAKillNineOfTheBroker() throws Exception {
        String name = "broker-restart";
        createScenarioTopics(name, 4);
        ChildJvm engine = engine(name, engineConfig(name, Map.of("instance.id", name + "-1")));
        String prefix = name + "-";
        int records = 20_000;
        long started = System.nanoTime();
        try (Tally tally = new Tally(broker.bootstrapServers(), name + "-out", name + "-dlt", false);
             Feeder feeder = new Feeder(broker.bootstrapServers(), name + "-in", prefix, records, KILL_RATE, INPUTS)) {
            feeder.start();
            engine.start();
            awaitProgress(name, 0, System.nanoTime(), engine, feeder);
            TimeUnit.MILLISECONDS.sleep(1_000 + random.nextInt(2_000));
            int linesBefore = engine.logText().split("\n").length;
            long killedAt = System.nanoTime();
            broker.kill();
            TimeUnit.SECONDS.sleep(2);
            broker.restart();
            long downMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            assertTrue(engine.isAlive(), "the engine stopped while the broker was down:\n" + engine.logTail(40));
            // Output stalls from the kill until the engine commits again; offsets cannot be read while it is down.
            long before = committedOffsets(name);
            long recovery = awaitProgress(name, before, killedAt, engine, feeder);
            int outageLines = engine.logText().split("\n").length - linesBefore;
            Outcome o = settle(feeder, tally, prefix, false, List.of(engine));
            int exit = o.exits().get(0);
            long lost = o.lost();
            report.add(new ChaosReport.Scenario("broker kill -9 and restart, engine not restarted", records,
                    "1 × kill -9 of the broker", lost, o.duplicates(),
                    String.format("%.1f s", recovery / 1000.0),
                    Long.toString(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)),
                    "broker down " + String.format("%.1f s", downMs / 1000.0) + " (kill to ready on the same port "
                            + "and data); stall = broker kill to the engine's next commit; the engine printed "
                            + outageLines + " log lines meanwhile; SIGTERM exit " + exit + "; " + o.kcatNote()));
            assertEquals(0, lost, "records lost:\n" + engine.logTail(40));
            assertEquals(0, exit);
        }
    }

    /**
     * Three engine processes in one share group on a 1-partition topic (a consumer group could use only one of
     * them): one is killed with SIGKILL mid-run and started again. The records it had acquired but not acknowledged
     * are redelivered when their lock expires (the group's share.record.lock.duration.ms, set to its 15 s minimum
     * here): nothing is lost; what it wrote but had not acknowledged yet comes out twice, counted and reported.
     */
    @Test
    @Order(7)
    void threeInstancesInAShareGroupOnOnePartitionLoseNothingWhenOneIsKilled() throws Exception {
        String name = "share-group";
        createScenarioTopics(name, 1);
        org.apache.kafka.common.config.ConfigResource group = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.GROUP, name);
        admin.incrementalAlterConfigs(Map.of(group, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                new org.apache.kafka.clients.admin.ConfigEntry("share.record.lock.duration.ms", "15000"),
                org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
        List<ChildJvm> engines = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            engines.add(engine(name + "-" + i, engineConfig(name, Map.of("group.type", "share"))));
        }
        String prefix = name + "-";
        int records = 15_000;
        long started = System.nanoTime();
        try (Tally tally = new Tally(broker.bootstrapServers(), name + "-out", name + "-dlt", false);
             Feeder feeder = new Feeder(broker.bootstrapServers(), name + "-in", prefix, records, KILL_RATE, INPUTS)) {
            for (ChildJvm e : engines) {
                e.start();
            }
            feeder.start();
            TimeUnit.MILLISECONDS.sleep(4_000 + random.nextInt(2_000));
            ChildJvm victim = engines.get(random.nextInt(3));
            victim.kill();
            TimeUnit.MILLISECONDS.sleep(2_000);
            long restartedAt = System.nanoTime();
            victim.start();
            Outcome o = settle(feeder, tally, prefix, false, engines);
            report.add(new ChaosReport.Scenario("3 engine processes in one share group, 1 partition, 1 killed",
                    records, "1 × kill -9, restarted after 2 s", o.lost(), o.duplicates(), "-",
                    Long.toString(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)),
                    "group.type=share; the killed instance's unacknowledged records redelivered after the group's "
                            + "record lock (share.record.lock.duration.ms=15000); restarted "
                            + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - restartedAt) + " s before the end; "
                            + "SIGTERM exits " + o.exits() + "; " + o.kcatNote()));
            assertEquals(0, o.lost(), "records lost");
            assertEquals(List.of(0, 0, 0), o.exits());
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * How a scenario ended: keys never seen, extra outcomes, the running engines' exit codes on SIGTERM, and the same
     * counts by kcat (null where it is not installed).
     */
    private record Outcome(long lost, long duplicates, List<Integer> exits, long[] kcat) {
        String kcatNote() {
            return kcat == null ? "kcat not installed, cross-check skipped"
                    : "kcat agrees: lost " + kcat[0] + ", duplicates " + kcat[1];
        }
    }

    /**
     * Waits for the feeder and for every key to come out (up to 2 minutes), checks the engines are still running,
     * stops them with SIGTERM, and counts after the reader has read to the end of the topics.
     */
    private Outcome settle(Feeder feeder, Tally tally, String prefix, boolean readCommitted, List<ChildJvm> engines)
            throws Exception {
        feeder.awaitDone(180_000);
        tally.awaitAccounted(prefix, feeder.count(), Duration.ofSeconds(120));
        List<Integer> exits = new ArrayList<>();
        for (ChildJvm e : engines) {
            assertTrue(e.isAlive(), "an engine that should still run has stopped:\n" + e.logTail(40));
            exits.add(e.terminate(Duration.ofSeconds(60)));
        }
        tally.awaitCaughtUp(broker.bootstrapServers(), readCommitted, Duration.ofSeconds(60));
        long lost = feeder.count() - tally.accounted(prefix, feeder.count());
        long duplicates = tally.duplicates(prefix, feeder.count());
        String name = prefix.substring(0, prefix.length() - 1);
        long[] kcat = kcatCount(name, prefix, feeder.count(), readCommitted);
        if (kcat != null) {
            assertEquals(lost, kcat[0], "kcat (librdkafka) counts the same lost records as the Java reader");
            assertEquals(duplicates, kcat[1], "kcat (librdkafka) counts the same duplicates as the Java reader");
        }
        return new Outcome(lost, duplicates, exits, kcat);
    }

    /**
     * Counts the scenario's keys in its output and dead-letter topics again with kcat, an independent client.
     *
     * @return lost and duplicates as kcat sees them, or null (with a line saying so) where kcat is not installed
     */
    private long[] kcatCount(String name, String prefix, int records, boolean readCommitted) throws Exception {
        java.util.Optional<Path> kcat = Kcat.find();
        if (kcat.isEmpty()) {
            System.out.println("chaos suite: kcat is not installed, so the independent cross-check of " + name
                    + " is skipped (apt-get install kcat)");
            return null;
        }
        Map<String, Integer> counts = Kcat.keyCounts(kcat.get(), broker.bootstrapServers(),
                List.of(name + "-out", name + "-dlt"), readCommitted);
        long lost = 0;
        long duplicates = 0;
        for (int i = 0; i < records; i++) {
            int times = counts.getOrDefault(prefix + i, 0);
            lost += times == 0 ? 1 : 0;
            duplicates += Math.max(0, times - 1);
        }
        return new long[] {lost, duplicates};
    }

    /**
     * Waits until the group's committed offsets pass {@code before}: the engine has finished (and, exactly-once,
     * committed) a batch. Returns the milliseconds since {@code since}, or -1 if there was nothing left to score.
     */
    private long awaitProgress(String group, long before, long since, ChildJvm engine, Feeder feeder)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            long committed = committedOffsets(group);
            if (committed > before) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
            }
            if (feeder.isDone() && committed >= feeder.count()) {
                return -1;
            }
            assertTrue(engine.isAlive(), "the engine process ended:\n" + engine.logTail(40));
            assertTrue(System.nanoTime() < deadline, "no progress within 90 s:\n" + engine.logTail(40));
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** The sum of the group's committed offsets; 0 for a group with none. Retries while the broker is away. */
    private long committedOffsets(String group) throws Exception {
        for (int attempt = 0; ; attempt++) {
            try {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(15, TimeUnit.SECONDS);
                return offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                if (attempt >= 10) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(200);
            }
        }
    }

    /** Waits until the group has {@code members} members that together hold all {@code partitions} partitions. */
    private void awaitGroup(String group, int members, int partitions, Duration timeout, List<ChildJvm> engines)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            ConsumerGroupDescription d;
            try {
                d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(15, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException)) {
                    throw e;
                }
                last = "no group yet";
                TimeUnit.MILLISECONDS.sleep(200);
                continue;
            }
            Set<TopicPartition> assigned = new java.util.HashSet<>();
            for (MemberDescription m : d.members()) {
                assigned.addAll(m.assignment().topicPartitions());
            }
            last = d.groupState() + ", " + d.members().size() + " members, " + assigned.size() + " partitions";
            if (d.members().size() == members && assigned.size() == partitions) {
                return;
            }
            for (ChildJvm e : engines) {
                assertTrue(e.isAlive(), "an engine process ended:\n" + e.logTail(40));
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new AssertionError("group " + group + " did not reach " + members + " members holding " + partitions
                + " partitions within " + timeout + " (last: " + last + ")");
    }

    private ChildJvm engine(String name, Path config) {
        ChildJvm jvm = new ChildJvm(ENGINE_MAIN, List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                List.of("run", "--config", config.toString(), "--status-interval-seconds", "2"),
                logs.resolve(name + ".log"), work.resolve("tmp"));
        toClose.add(jvm);
        return jvm;
    }

    /** Writes an app.properties for the engine, as an operator would, with the scenario's settings on top. */
    private Path engineConfig(String name, Map<String, String> settings) throws IOException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("group.id", name);
        p.put("input.topics", name + "-in");
        p.put("output.topic", name + "-out");
        p.put("dead.letter.topic", name + "-dlt");
        p.put("model.path", model.toString());
        p.put("max.batch.size", Integer.toString(MAX_BATCH_SIZE));
        p.put("worker.threads", Integer.toString(WORKERS));
        p.put("producer.linger.ms", "5");
        p.putAll(settings);
        p.values().removeIf(String::isEmpty);
        List<String> lines = new ArrayList<>();
        p.forEach((k, v) -> lines.add(k + "=" + v));
        Path dir = Files.createDirectories(work.resolve(name));
        return Files.write(dir.resolve("app-" + lines.hashCode() + ".properties"), lines);
    }

    /** {@code <name>-in} and {@code <name>-out} with this many partitions, {@code <name>-dlt} with one. */
    private void createScenarioTopics(String name, int partitions) throws Exception {
        createTopic(name + "-in", partitions, Map.of());
        createTopic(name + "-out", partitions, Map.of());
        createTopic(name + "-dlt", 1, Map.of());
    }

    private void createTopic(String name, int partitions, Map<String, String> config) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(config))).all()
                .get(30, TimeUnit.SECONDS);
        // Wait until each partition's leader serves (ListOffsets, like a produce, needs the leader's log), so an
        // idempotent producer's first batches do not race the topic's creation.
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(name, p), OffsetSpec.latest());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw e;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    private void produceAll(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(c)) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (ProducerRecord<byte[], byte[]> r : records) {
                sent.add(producer.send(r));
            }
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    private void writeRaw(String topic, String key, byte[] value) throws Exception {
        produceAll(List.of(record(topic, key, value)));
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }

    private void publish(String topic, String version, Path file, String format) throws IOException {
        try (ModelPublisher p = new ModelPublisher(Map.of("bootstrap.servers", broker.bootstrapServers()), topic)) {
            p.ensureTopic(Duration.ofSeconds(30));
            p.publish("chaos", version, file, format, 64 * 1024);
        }
    }

    private Map<String, Map<String, Object>> readStatuses(String topic, String name) {
        ModelTopicState state = new ModelTopicState(ModelTopicState.COUNT_ONLY);
        try (ModelTopicReader reader = new ModelTopicReader(Map.of("bootstrap.servers", broker.bootstrapServers()),
                topic, state)) {
            reader.catchUp(Duration.ofSeconds(30));
        }
        return state.statuses(name);
    }

    /** Loads and matches the traffic's input, then fails at run time on every batch: index 99 of 16 columns. */
    private static byte[] alwaysFailingModel() {
        return OnnxModelWriter.builder().graphName("always_fails")
                .input("input", ValueType.tensor(ElementType.FLOAT, OnnxModelWriter.BATCH, INPUTS))
                .output("probabilities", ValueType.tensor(ElementType.FLOAT, OnnxModelWriter.BATCH, 1))
                .initializer("index", new long[] {99}, 1)
                .node("Gather", List.of("input", "index"), List.of("probabilities"),
                        OnnxModelWriter.Attribute.of("axis", 1L))
                .build();
    }

    /** Loads and matches the traffic's input, but answers a batch of N rows with one row: their sum. */
    private static byte[] batchCollapsingModel() {
        return OnnxModelWriter.builder().graphName("collapses_batch")
                .input("input", ValueType.tensor(ElementType.FLOAT, OnnxModelWriter.BATCH, INPUTS))
                .output("probabilities", ValueType.tensor(ElementType.FLOAT, "M", INPUTS))
                .initializer("axes", new long[] {0}, 1)
                .node("ReduceSum", List.of("input", "axes"), List.of("probabilities"),
                        OnnxModelWriter.Attribute.of("keepdims", 1L))
                .build();
    }

    private static void add(Map<String, byte[]> bad, Map<String, String> expected, String name, String stage,
                            byte[] value) {
        bad.put(name, value);
        expected.put(name, stage);
    }

    /** A JSON object padded with spaces before its closing brace to exactly {@code bytes} bytes. */
    private static byte[] padded(String json, int bytes) {
        String open = json.substring(0, json.length() - 1);
        return (open + " ".repeat(bytes - json.length()) + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String seconds(List<Long> millis) {
        List<String> s = new ArrayList<>();
        millis.forEach(m -> s.add(String.format("%.1f", m / 1000.0)));
        return s + " s";
    }

    private static Path reportFile() {
        return Path.of(System.getProperty("chaos.report", "target/chaos-report.md")).toAbsolutePath();
    }
}
