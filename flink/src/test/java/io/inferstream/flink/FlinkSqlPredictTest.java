package io.inferstream.flink;

import static io.inferstream.flink.TestNets.NET;
import static io.inferstream.flink.TestNets.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.PredictionJson;
import io.inferstream.flink.sql.InferenceFunctions;
import io.inferstream.sandbox.models.DenseNetwork;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL functions against the DataStream operator on the same rows and the same model file: PREDICT gives the
 * operator's first probability, PREDICT_OUTPUTS every probability and the model's own table function its output
 * column, all equal to the independent forward pass; numbers
 * as arguments score like the JSON record; a bad row gives NULL and an {@code _error} row with the reason.
 */
class FlinkSqlPredictTest {
    static final int ROWS = 40;

    @TempDir
    Path dir;

    @Test
    void sqlScoresTheSameNumbersAsTheDataStreamOperator() throws Exception {
        float[][] rows = NET.sampleInputs(ROWS, 5);
        ModelDeployment model = ModelDeployment.path(TestNets.write(dir).toString());
        StreamExecutionEnvironment env = LocalFlink.environment(2, 0);

        // The DataStream operator.
        List<InferenceInput> inputs = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            inputs.add(InferenceInput.of(utf8("k" + i), TestNets.record(rows[i])));
        }
        Map<String, double[]> operator = new HashMap<>();
        DataStream<InferenceOutput> scored = FlinkInference.score(
                env.fromData(inputs, TypeInformation.of(InferenceInput.class)), model, InferenceOptions.defaults());
        try (CloseableIterator<InferenceOutput> it = scored.executeAndCollect()) {
            it.forEachRemaining(o -> operator.put(new String(o.key, StandardCharsets.UTF_8),
                    PredictionJson.parse(o.value).numbers("probabilities")));
        }
        assertEquals(ROWS, operator.size());

        // The same rows through SQL.
        StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
        InferenceFunctions.register(tableEnv, Map.of("net", model), InferenceOptions.defaults());
        InferenceFunctions.registerOutputColumns(tableEnv, "NET", "net", model, InferenceOptions.defaults());
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < ROWS; i++) {
            values.append(i == 0 ? "" : ", ").append("('k").append(i).append("', '")
                    .append(DenseNetwork.toJson(rows[i])).append("')");
        }
        String table = "(VALUES " + values + ") AS t(k, v)";
        Map<String, Double> predict = new HashMap<>();
        for (Row r : collect(tableEnv, "SELECT k, PREDICT('net', v) FROM " + table)) {
            predict.put((String) r.getField(0), (Double) r.getField(1));
        }
        Map<String, double[]> outputs = new HashMap<>();
        for (Row r : collect(tableEnv, "SELECT k, o.output, o.idx, o.num FROM " + table
                + ", LATERAL TABLE(PREDICT_OUTPUTS('net', v)) AS o(output, idx, num, text)")) {
            assertEquals("probabilities", r.getField(1));
            outputs.computeIfAbsent((String) r.getField(0), k -> new double[NET.outputs()])[(Integer) r.getField(2)] =
                    (Double) r.getField(3);
        }
        Map<String, double[]> columns = new HashMap<>();
        for (Row r : collect(tableEnv, "SELECT k, o.probabilities, o.error FROM " + table
                + ", LATERAL TABLE(NET(v)) AS o")) {
            assertNull(r.getField(2), "no error");
            Double[] probabilities = (Double[]) r.getField(1);
            columns.put((String) r.getField(0), java.util.Arrays.stream(probabilities).mapToDouble(d -> d).toArray());
        }

        for (int i = 0; i < ROWS; i++) {
            String k = "k" + i;
            double[] expected = NET.forward(rows[i]);
            assertArrayEquals(expected, operator.get(k), 1e-5, k);
            assertEquals(operator.get(k)[0], predict.get(k), 0.0, "PREDICT is the operator's number, " + k);
            assertArrayEquals(operator.get(k), outputs.get(k), 0.0, "PREDICT_OUTPUTS are the operator's numbers, " + k);
            assertArrayEquals(operator.get(k), columns.get(k), 0.0, "the output columns are the operator's, " + k);
        }
    }

    @Test
    void numbersAsArgumentsAndBadRows() throws Exception {
        float[] row = NET.sampleInputs(1, 9)[0];
        StreamExecutionEnvironment env = LocalFlink.environment(1, 0);
        StreamTableEnvironment tableEnv = StreamTableEnvironment.create(env);
        InferenceFunctions.register(tableEnv, Map.of("net", ModelDeployment.path(TestNets.write(dir).toString())),
                InferenceOptions.defaults());
        StringBuilder args = new StringBuilder();
        for (float v : row) {
            args.append(", CAST(").append(v).append(" AS FLOAT)");
        }
        List<Row> scored = collect(tableEnv, "SELECT PREDICT('net'" + args + "), PREDICT_LABEL('net'" + args + ")");
        assertEquals(NET.forward(row)[0], (Double) scored.get(0).getField(0), 1e-5, "one value per vector element");
        assertNull(scored.get(0).getField(1), "no class labels configured: no label");

        List<Row> bad = collect(tableEnv, "SELECT PREDICT('net', '{\"input\": [1, 2')");
        assertNull(bad.get(0).getField(0), "a rejected row scores NULL");
        List<Row> error = collect(tableEnv, "SELECT o.output, o.text FROM (VALUES ('{\"input\": [1.0]}')) AS t(v), "
                + "LATERAL TABLE(PREDICT_OUTPUTS('net', v)) AS o(output, idx, num, text)");
        assertEquals(1, error.size());
        assertEquals("_error", error.get(0).getField(0));
        assertTrue(((String) error.get(0).getField(1)).startsWith("validate: "), (String) error.get(0).getField(1));

        InferenceFunctions.registerOutputColumns(tableEnv, "NET", "net",
                ModelDeployment.path(dir.resolve("net.onnx").toString()), InferenceOptions.defaults());
        List<Row> columns = collect(tableEnv, "SELECT o.probabilities, o.error FROM (VALUES ('{\"input\": [1.0]}')) "
                + "AS t(v), LATERAL TABLE(NET(v)) AS o");
        assertNull(columns.get(0).getField(0), "no outputs for a rejected row");
        assertTrue(((String) columns.get(0).getField(1)).startsWith("validate: "), (String) columns.get(0).getField(1));
    }

    private static List<Row> collect(StreamTableEnvironment tableEnv, String sql) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = tableEnv.executeSql(sql).collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }
}
