package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.inferstream.config.EngineConfig;
import io.inferstream.flink.LocalFlink;
import io.inferstream.it.ContractModels.ContractModel;
import io.inferstream.it.ContractModels.Rows;
import io.inferstream.model.ModelSource;
import io.inferstream.scoring.ScoringPipeline;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.sandbox.models.ReferenceClassifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cross-framework contract through Flink SQL: {@code CREATE MODEL ... WITH ('provider' = 'inferstream')} for the
 * contract model of every format (ONNX, ONNX ZipMap, PMML, TensorFlow, DL4J, two Keras imports, H2O), scored by
 * {@code ML_PREDICT}, one job per model, with the
 * engine's settings of each model as the model's options. Every row's label equals what the engine's
 * {@link ScoringPipeline} makes of the same record and its class probabilities equal the engine's within float rounding
 * (the batches differ), and both match the plain-Java {@link ReferenceClassifier} within the model's tolerance. The input column is the record itself (one STRING column naming no model input),
 * so the SQL path decodes the same bytes the engine does. {@link FlinkOperatorContractTest} is the same through the
 * DataStream operator.
 */
class MlPredictContractTest {
    /** Eight ulps of a float near 1: how far the same row may round apart in batches of different sizes. */
    private static final double FLOAT_ROUNDING = 1e-6;

    @TempDir
    Path dir;

    @Test
    void mlPredictScoresEveryContractModelAsTheEngineDoes() throws Exception {
        List<ContractModel> models = ContractModels.models().toList();
        Rows rows = Rows.sample();
        StreamTableEnvironment sql = StreamTableEnvironment.create(LocalFlink.environment(1, 0));
        List<Row> records = new ArrayList<>();
        for (int i = 0; i < ContractModels.ROWS; i++) {
            records.add(Row.of(i, new String(rows.values().get(i), StandardCharsets.UTF_8)));
        }
        sql.createTemporaryView("records", sql.fromValues(DataTypes.ROW(DataTypes.FIELD("id", DataTypes.INT()),
                DataTypes.FIELD("record", DataTypes.STRING())), records));

        Map<String, List<byte[]>> engine = new HashMap<>();
        Map<String, String> selects = new HashMap<>();
        for (ContractModel m : models) {
            Path modelDir = Files.createDirectories(dir.resolve(m.name()));
            engine.put(m.name(), ContractModels.scoreWithEngine(m,
                    ContractModels.provider(m, Files.createDirectories(modelDir.resolve("engine"))), rows));
            String table = m.name().replace('-', '_');
            sql.executeSql("CREATE MODEL " + table + " INPUT (record STRING) OUTPUT (label STRING, probabilities "
                    + "MAP<STRING, DOUBLE>) WITH (" + options(m, Files.createDirectories(modelDir.resolve("sql"))) + ")");
            selects.put(m.name(), "SELECT '" + m.name() + "' AS model, id, label, probabilities FROM ML_PREDICT(TABLE records, "
                    + "MODEL " + table + ", DESCRIPTOR(record))");
        }

        for (ContractModel m : models) {
            // One job per model: Flink 2.3 mixes up several ML_PREDICT calls in one query (see
            // TritonProviderInteropTest in the flink module).
            Map<Integer, Row> out = new HashMap<>();
            try (CloseableIterator<Row> it = sql.executeSql(selects.get(m.name())).collect()) {
                it.forEachRemaining(r -> out.put((Integer) r.getField(1), r));
            }
            assertEquals(ContractModels.ROWS, out.size(), m + ": a row per record from ML_PREDICT");
            for (int i = 0; i < ContractModels.ROWS; i++) {
                String where = m + " row " + i;
                Row r = out.get(i);
                assertNotNull(r, where);
                PredictionJson expected = PredictionJson.parse(engine.get(m.name()).get(i));
                assertEquals(expected.label(), r.getField(2), where + ": label, engine vs ML_PREDICT");
                assertEquals(ReferenceClassifier.label(rows.inputs()[i]), r.getField(2), where + ": label");
                @SuppressWarnings("unchecked")
                Map<String, Double> p = (Map<String, Double>) r.getField(3);
                assertEquals(expected.probabilities().keySet(), p.keySet(), where + ": classes");
                // Within float rounding, not bit for bit: ML_PREDICT's async batches are as large as the rows in
                // flight, the engine's are 64, and a float kernel (ONNX Runtime's) may round a row's last bits
                // differently in batches of different sizes (measured: 1.5e-10 on the ZipMap classifier).
                expected.probabilities().forEach((label, prob) -> assertEquals(prob, p.get(label), FLOAT_ROUNDING,
                        where + ": p(" + label + "), engine vs ML_PREDICT"));
                double[] want = ReferenceClassifier.probabilities(rows.inputs()[i]);
                for (int c = 0; c < want.length; c++) {
                    assertEquals(want[c], p.get(ReferenceClassifier.LABELS.get(c)), m.tolerance(),
                            where + ": p(" + ReferenceClassifier.LABELS.get(c) + ")");
                }
            }
        }
    }

    /** The model's options: its file, its format if the engine needs one named, and its engine settings. */
    private static String options(ContractModel m, Path modelDir) throws Exception {
        ModelSource source = m.maker().write(modelDir);
        // A model made in memory (the ZipMap classifier) is written to a file: CREATE MODEL names a path.
        Path file = source.path().isPresent() ? source.path().get()
                : Files.write(modelDir.resolve(source.name() + ".onnx"), source.readAllBytes());
        Map<String, String> options = new HashMap<>(m.settings());
        options.put("provider", "inferstream");
        options.put(EngineConfig.MODEL_PATH, file.toString());
        if (m.format() != null) {
            options.put(EngineConfig.MODEL_FORMAT, m.format());
        }
        return options.entrySet().stream().map(e -> "'" + e.getKey() + "' = '" + e.getValue() + "'")
                .collect(Collectors.joining(", "));
    }
}
