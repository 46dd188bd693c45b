package io.inferstream.flink.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.PredictionJson;
import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.engine.ModelSources;
import io.inferstream.flink.ChildBroker;
import io.inferstream.flink.LocalFlink;
import io.inferstream.model.ModelRegistry;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.scoring.ScoringPipeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code CREATE MODEL ... WITH ('provider' = 'inferstream')} and {@code ML_PREDICT} on one shared MiniCluster, with
 * real model files read by the real adapters (PMML and ONNX): every output column equals what the engine's own
 * {@link ScoringPipeline} gives for the same record (computed here, outside Flink), and the independent
 * {@link ReferenceClassifier} / {@link DenseNetwork} computation; rejected rows follow the error strategy.
 */
class MlPredictTest {
    static final DenseNetwork NET = DenseNetwork.random(12, 8, 4, 7);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(LocalFlink.loopback()).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    @TempDir
    static Path dir;
    static Path pmml;
    static Path onnxClassifier;
    static Path net;

    @BeforeAll
    static void models() throws Exception {
        pmml = PmmlFixtures.write(dir, "reference.pmml", PmmlFixtures.referenceClassifier());
        onnxClassifier = Files.write(dir.resolve("reference.onnx"), OnnxModelWriter.referenceClassifier());
        net = Files.write(dir.resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET));
    }

    @Test
    void pmmlColumnsByNameEqualTheEnginesPipeline() throws Exception {
        double[][] x = ReferenceClassifier.sampleInputs(30, 11);
        StreamTableEnvironment sql = sql();
        sql.executeSql(table("features", x));
        sql.executeSql("CREATE MODEL reference_model INPUT (f0 DOUBLE, f1 DOUBLE, f2 DOUBLE, f3 DOUBLE) "
                + "OUTPUT (label STRING, probability DOUBLE, p_low DOUBLE, p_mid DOUBLE, p_high DOUBLE, "
                + "model_version STRING) WITH ('provider' = 'inferstream', 'model.path' = '" + pmml + "')");
        List<Row> rows = collect(sql, "SELECT id, label, probability, p_low, p_mid, p_high, model_version FROM "
                + "ML_PREDICT(TABLE features, MODEL reference_model, DESCRIPTOR(f0, f1, f2, f3), MAP['async', 'false'])");

        List<PredictionJson> engine = engine(Map.of("model.path", pmml.toString()), jsonRecords(x));
        assertEquals(x.length, rows.size(), "one prediction per row");
        for (Row r : rows) {
            int id = (Integer) r.getField(0);
            PredictionJson expected = engine.get(id);
            assertEquals(expected.label(), r.getField(1), "row " + id);
            assertEquals(ReferenceClassifier.label(x[id]), r.getField(1), "row " + id);
            assertEquals(expected.probabilities().get(expected.label()), (Double) r.getField(2), 0.0, "row " + id);
            double[] p = {(Double) r.getField(3), (Double) r.getField(4), (Double) r.getField(5)};
            assertArrayEquals(new double[] {expected.numbers("p_low")[0], expected.numbers("p_mid")[0],
                    expected.numbers("p_high")[0]}, p, 0.0, "row " + id);
            assertArrayEquals(ReferenceClassifier.probabilities(x[id]), p, 1e-9, "row " + id);
            assertEquals(expected.version(), r.getField(6));
        }
    }

    @Test
    void onnxVectorWithEngineOptionsScoredInBatchesByTheAsyncRuntime() throws Exception {
        double[][] x = ReferenceClassifier.sampleInputs(40, 12);
        StreamTableEnvironment sql = sql();
        sql.executeSql(table("features", x));
        // Four DOUBLE columns into the model's one float[N, 4] input; labels from an engine option.
        sql.executeSql("CREATE MODEL reference_model INPUT (f0 DOUBLE, f1 DOUBLE, f2 DOUBLE, f3 DOUBLE) "
                + "OUTPUT (label STRING, probability DOUBLE, probabilities MAP<STRING, DOUBLE>) "
                + "WITH ('provider' = 'inferstream', 'model.path' = '" + onnxClassifier + "', "
                + "'model.class.labels' = 'low,mid,high')");
        List<Row> rows = collect(sql, "SELECT id, label, probability, probabilities FROM ML_PREDICT(TABLE features, "
                + "MODEL reference_model, DESCRIPTOR(f0, f1, f2, f3), MAP['async', 'true', 'max-concurrent-operations', '16'])");

        Map<String, String> options = Map.of("model.path", onnxClassifier.toString(),
                "model.class.labels", "low,mid,high");
        List<byte[]> records = new ArrayList<>();
        for (double[] row : x) {
            records.add(("{\"features\": " + java.util.Arrays.toString(row) + "}").getBytes(StandardCharsets.UTF_8));
        }
        List<PredictionJson> engine = engine(options, records);
        assertEquals(x.length, rows.size());
        for (Row r : rows) {
            int id = (Integer) r.getField(0);
            PredictionJson expected = engine.get(id);
            assertEquals(ReferenceClassifier.label(x[id]), r.getField(1), "row " + id);
            assertEquals(expected.label(), r.getField(1), "row " + id);
            assertEquals(expected.probabilities().get(expected.label()), (Double) r.getField(2), 0.0);
            @SuppressWarnings("unchecked")
            Map<String, Double> probabilities = (Map<String, Double>) r.getField(3);
            assertEquals(expected.probabilities(), probabilities, "row " + id);
            double[] reference = ReferenceClassifier.probabilities(x[id]);
            for (int c = 0; c < reference.length; c++) {
                assertEquals(reference[c], probabilities.get(ReferenceClassifier.LABELS.get(c)), 1e-5);
            }
        }
    }

    @Test
    void rejectedRowsAreOutputIgnoredOrFailTheJob() throws Exception {
        float[][] x = NET.sampleInputs(6, 3);
        StreamTableEnvironment sql = sql();
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            values.append(i == 0 ? "" : ", ").append("(").append(i).append(", ").append(array(x[i])).append(")");
        }
        // Row 99 has 3 values where the network takes 12: rejected at stage validate.
        values.append(", (99, ARRAY[CAST(1.0 AS FLOAT), CAST(2.0 AS FLOAT), CAST(3.0 AS FLOAT)])");
        sql.executeSql("CREATE TEMPORARY VIEW vectors AS SELECT * FROM (VALUES " + values + ") AS t(id, x)");
        String model = "INPUT (x ARRAY<FLOAT>) OUTPUT (probabilities ARRAY<DOUBLE>%s) WITH ('provider' = "
                + "'inferstream', 'model.path' = '" + net + "', 'error-handling-strategy' = '%s')";
        sql.executeSql("CREATE MODEL kept " + String.format(model, ", error STRING", "output"));
        sql.executeSql("CREATE MODEL skipped " + String.format(model, "", "ignore"));
        sql.executeSql("CREATE MODEL strict " + String.format(model, "", "failover"));

        Map<Integer, Row> kept = new HashMap<>();
        for (Row r : collect(sql, "SELECT id, probabilities, error FROM ML_PREDICT(TABLE vectors, MODEL kept, "
                + "DESCRIPTOR(x))")) {
            kept.put((Integer) r.getField(0), r);
        }
        assertEquals(x.length + 1, kept.size(), "every row comes out, the rejected one too");
        Row bad = kept.get(99);
        assertNull(bad.getField(1), "no outputs for the rejected row");
        assertTrue(((String) bad.getField(2)).startsWith("validate: "), (String) bad.getField(2));
        for (int i = 0; i < x.length; i++) {
            assertNull(kept.get(i).getField(2));
            Double[] p = (Double[]) kept.get(i).getField(1);
            assertArrayEquals(NET.forward(x[i]), java.util.Arrays.stream(p).mapToDouble(d -> d).toArray(), 1e-5);
        }

        List<Row> skipped = collect(sql, "SELECT id FROM ML_PREDICT(TABLE vectors, MODEL skipped, DESCRIPTOR(x))");
        assertEquals(x.length, skipped.size(), "the rejected row gives no row (it is logged and counted)");

        Exception failed = assertThrows(Exception.class,
                () -> collect(sql, "SELECT id FROM ML_PREDICT(TABLE vectors, MODEL strict, DESCRIPTOR(x))"));
        assertTrue(causes(failed).contains("rejected a row (validate: "), causes(failed));
    }

    @Test
    void aRunningJobSwapsToANewVersionInTheModelsFolder() throws Exception {
        DenseNetwork second = DenseNetwork.random(12, 8, 4, 99);
        Path base = Files.createDirectories(dir.resolve("versions"));
        Files.write(Files.createDirectories(base.resolve("1")).resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET));
        assertARunningJobSwaps("'model.path' = '" + base + "', 'model.poll.interval.ms' = '200'", second, () -> {
            // Written aside, then moved in whole: the watcher never sees a half-written version.
            Path staged = Files.createDirectories(dir.resolve("staged"));
            Files.write(staged.resolve("net.onnx"), OnnxModelWriter.denseNetwork(second));
            Files.move(staged, base.resolve("2"));
        });
    }

    /** The model topic written by {@code inferstream publish-model}, on a real broker (the testkit's, see ChildBroker). */
    @Test
    void aRunningJobSwapsToANewVersionPublishedToItsModelTopic() throws Exception {
        DenseNetwork second = DenseNetwork.random(12, 8, 4, 98);
        try (ChildBroker broker = ChildBroker.start();
             ModelPublisher publisher = new ModelPublisher(Map.of("bootstrap.servers", broker.bootstrapServers()),
                     "models")) {
            publisher.ensureTopic(Duration.ofSeconds(30));
            publisher.publish("net", "1", net, "onnx", 64 * 1024);
            assertARunningJobSwaps("'model.topic' = 'models', 'model.name' = 'net', 'bootstrap.servers' = '"
                    + broker.bootstrapServers() + "'", second, () -> publisher.publish("net", "2",
                    Files.write(dir.resolve("second.onnx"), OnnxModelWriter.denseNetwork(second)), "onnx", 64 * 1024));
        }
    }

    /**
     * Runs an unbounded SQL job on a model deployed by {@code deployment} (whose version 1 is {@link #NET}), brings
     * version 2 ({@code second}) once version 1 has scored 5 rows, and waits for version 2 to score 5: every row's
     * numbers are those of the version its {@code model_version} column names.
     */
    private static void assertARunningJobSwaps(String deployment, DenseNetwork second, Step bringVersion2)
            throws Exception {
        StreamTableEnvironment sql = sql();
        StringBuilder columns = new StringBuilder();
        StringBuilder ranges = new StringBuilder();
        for (int i = 0; i < NET.inputs(); i++) {
            columns.append(i == 0 ? "" : ", ").append("f").append(i).append(" FLOAT");
            ranges.append(", 'fields.f").append(i).append(".min' = '-1', 'fields.f").append(i).append(".max' = '1'");
        }
        // An unbounded source: the job runs while version 2 arrives.
        sql.executeSql("CREATE TEMPORARY TABLE endless (" + columns + ") WITH ('connector' = 'datagen', "
                + "'rows-per-second' = '40'" + ranges + ")");
        sql.executeSql("CREATE MODEL versioned INPUT (" + columns + ") OUTPUT (probabilities ARRAY<DOUBLE>, "
                + "model_version STRING) WITH ('provider' = 'inferstream', " + deployment + ")");
        StringBuilder select = new StringBuilder("SELECT model_version, probabilities");
        for (int i = 0; i < NET.inputs(); i++) {
            select.append(", f").append(i);
        }
        Map<String, Integer> seen = new HashMap<>();
        try (CloseableIterator<Row> it = sql.executeSql(select + " FROM ML_PREDICT(TABLE endless, MODEL versioned, "
                + "DESCRIPTOR(" + columns.toString().replace(" FLOAT", "") + "))").collect()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (seen.getOrDefault("2", 0) < 5 && System.nanoTime() < deadline && it.hasNext()) {
                Row r = it.next();
                String version = (String) r.getField(0);
                seen.merge(version, 1, Integer::sum);
                float[] x = new float[NET.inputs()];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (Float) r.getField(2 + i);
                }
                DenseNetwork expected = "2".equals(version) ? second : NET;
                Double[] p = (Double[]) r.getField(1);
                assertArrayEquals(expected.forward(x), java.util.Arrays.stream(p).mapToDouble(d -> d).toArray(), 1e-5,
                        "version " + version + " scored the row");
                if ("1".equals(version) && seen.get("1") == 5) {
                    bringVersion2.run();
                }
            }
        }
        assertTrue(seen.getOrDefault("1", 0) >= 5, "version 1 served first: " + seen);
        assertTrue(seen.getOrDefault("2", 0) >= 5, "the running job swapped to version 2: " + seen);
    }

    /** Something that brings version 2. */
    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    @Test
    void aTypoInTheOptionsFailsWhenPlanned() {
        StreamTableEnvironment sql = sql();
        sql.executeSql("CREATE TEMPORARY VIEW single_row AS SELECT * FROM (VALUES (CAST(1.0 AS DOUBLE))) AS t(f0)");
        sql.executeSql("CREATE MODEL typo INPUT (f0 DOUBLE) OUTPUT (y DOUBLE) WITH ('provider' = 'inferstream', "
                + "'model.path' = '" + net + "', 'max.batch.sise' = '10')");
        Exception e = assertThrows(Exception.class,
                () -> sql.executeSql("SELECT * FROM ML_PREDICT(TABLE single_row, MODEL typo, DESCRIPTOR(f0))"));
        assertTrue(causes(e).contains("max.batch.size"), "did you mean: " + causes(e));
    }

    private static StreamTableEnvironment sql() {
        return StreamTableEnvironment.create(StreamExecutionEnvironment.getExecutionEnvironment());
    }

    private static String table(String name, double[][] x) {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            values.append(i == 0 ? "" : ", ").append("(").append(i);
            for (double v : x[i]) {
                values.append(", CAST(").append(v).append(" AS DOUBLE)");
            }
            values.append(")");
        }
        return "CREATE TEMPORARY VIEW " + name + " AS SELECT * FROM (VALUES " + values + ") AS t(id, f0, f1, f2, f3)";
    }

    static String array(float[] row) {
        StringBuilder s = new StringBuilder("ARRAY[");
        for (int i = 0; i < row.length; i++) {
            s.append(i == 0 ? "" : ", ").append("CAST(").append(row[i]).append(" AS FLOAT)");
        }
        return s.append("]").toString();
    }

    private static List<byte[]> jsonRecords(double[][] x) {
        List<byte[]> records = new ArrayList<>();
        for (double[] row : x) {
            records.add(ReferenceClassifier.toJson(row).getBytes(StandardCharsets.UTF_8));
        }
        return records;
    }

    /** The engine's own scoring of the records, outside Flink: the same configuration keys, the same pipeline. */
    static List<PredictionJson> engine(Map<String, String> modelOptions, List<byte[]> records) throws Exception {
        Map<String, String> keys = new HashMap<>(Map.of("bootstrap.servers", "127.0.0.1:9", "group.id", "g",
                "input.topics", "in", "output.topic", "out", "dead.letter.topic", "dlq"));
        keys.putAll(modelOptions);
        EngineConfig config = new EngineConfig(keys);
        DeploymentSettings settings = new DeploymentSettings(1, info -> RecordCodecs.decoder(config, info),
                config.getList(EngineConfig.MODEL_CLASS_LABELS), "", 0, List.of(), false);
        try (DeploymentManager manager = new DeploymentManager(
                ModelSources.fromConfig(config, ModelRegistry.discover(), Path.of("")), settings,
                new io.inferstream.deploy.TrafficSample(16))) {
            manager.start(Duration.ofMinutes(1));
            Deployment d = manager.acquire();
            try {
                List<PredictionJson> out = new ArrayList<>();
                for (ScoredRecord<byte[]> r : ScoringPipeline.json(0, 500, 1 << 20, null)
                        .score(d, Collections.nCopies(records.size(), null), records).outcomes()) {
                    assertNotNull(r.output(), "the engine scores every record");
                    out.add(PredictionJson.parse(r.output()));
                }
                return out;
            } finally {
                d.release();
            }
        }
    }

    private static List<Row> collect(StreamTableEnvironment sql, String query) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = sql.executeSql(query).collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    /** @return the messages of a throwable and its causes, for an assertion that names the reason. */
    static String causes(Throwable t) {
        StringBuilder s = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            s.append(c.getMessage()).append(" | ");
        }
        return s.toString();
    }
}
