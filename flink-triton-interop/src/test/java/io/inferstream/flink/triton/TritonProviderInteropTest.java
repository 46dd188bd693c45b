package io.inferstream.flink.triton;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.flink.LocalFlink;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.serve.InferenceServer;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interoperability with a client nobody here wrote: Flink's own Triton provider
 * ({@code org.apache.flink:flink-model-triton} 2.3.0, fetched by the build, see the POM) calls a running
 * {@link InferenceServer} over the Open Inference Protocol v2 REST API, and its rows equal the embedded
 * {@code 'provider' = 'inferstream'} scoring the same file in the same job, and the plain-Java forward pass. The stock
 * {@code 'triton'} provider of that release cannot plan any model (asserted here); the rows come from the same code
 * with that one check mended ({@link PatchedTritonModelProviderFactory}).
 *
 * <p>The model's input and output are named {@code INPUT} and {@code OUTPUT}: the Triton provider sends its INPUT and
 * OUTPUT column names upper-cased as the tensor names, and tensor names are case-sensitive in the protocol.
 */
class TritonProviderInteropTest {
    static final DenseNetwork NET = DenseNetwork.random(12, 8, 4, 23);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(LocalFlink.loopback()).setNumberTaskManagers(1).setNumberSlotsPerTaskManager(1).build());

    @TempDir
    static Path dir;
    static Path model;
    static InferenceServer server;

    @BeforeAll
    static void serve() throws Exception {
        model = Files.write(dir.resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET, "INPUT", "OUTPUT"));
        server = InferenceServer.builder().host("127.0.0.1").restPort(0).grpcPort(-1)
                .model("net", ModelRegistry.discover().load(ModelSource.of(model), null, Map.of()))
                .start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void tritonProviderAgainstServeEqualsTheEmbeddedProvider() throws Exception {
        float[][] x = NET.sampleInputs(25, 5);
        StreamTableEnvironment sql = StreamTableEnvironment.create(StreamExecutionEnvironment.getExecutionEnvironment());
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < x.length; i++) {
            values.append(i == 0 ? "" : ", ").append("(").append(i).append(", ").append(sqlArray(x[i]))
                    .append(")");
        }
        sql.executeSql("CREATE TEMPORARY VIEW vectors AS SELECT * FROM (VALUES " + values + ") AS t(id, input)");
        String schema = "INPUT (input ARRAY<FLOAT>) OUTPUT (output ARRAY<FLOAT>)";
        String endpoint = "'endpoint' = 'http://" + server.host() + ":" + server.restPort() + "/v2/models'";
        // The stock provider of flink-model-triton 2.3.0 cannot plan any model (see PatchedTritonModelProviderFactory).
        // When this fails, Flink has mended it: drop the patched provider and use 'triton' below.
        sql.executeSql("CREATE MODEL stock " + schema + " WITH ('provider' = 'triton', " + endpoint
                + ", 'model-name' = 'net')");
        Exception refused = assertThrows(Exception.class, () -> sql.executeSql(select("stock")));
        assertTrue(causes(refused).contains("input column input should be null, but is a ARRAY<FLOAT>"),
                causes(refused));

        // Flink's provider with that one check mended, and its own options only: once with 'model-version' at its
        // default ('latest'), once naming the version serve reports for the model.
        sql.executeSql("CREATE MODEL remote_latest " + schema + " WITH ('provider' = '"
                + PatchedTritonModelProviderFactory.IDENTIFIER + "', " + endpoint + ", 'model-name' = 'net')");
        sql.executeSql("CREATE MODEL remote_pinned " + schema + " WITH ('provider' = '"
                + PatchedTritonModelProviderFactory.IDENTIFIER + "', " + endpoint + ", 'model-name' = 'net', "
                + "'model-version' = '" + server.info("net").version() + "')");
        sql.executeSql("CREATE MODEL embedded " + schema + " WITH ('provider' = 'inferstream', 'model.path' = '"
                + model + "')");

        // One job per model: in one query (a UNION ALL of the three ML_PREDICT calls), Flink 2.3 ran the remote model
        // for all three calls (serve counted 75 rows for 25 per call), or only once with sub-plan reuse on.
        Map<Integer, Float[]> embedded = scores(sql, "embedded");
        assertEquals(0, server.stats("net").records(), "the embedded provider does not call serve");
        assertEquals(x.length, embedded.size());
        long sent = 0;
        for (String remote : List.of("remote_latest", "remote_pinned")) {
            Map<Integer, Float[]> rows = scores(sql, remote);
            sent += x.length;
            assertEquals(sent, server.stats("net").records(), remote + ": every row went over the wire to serve");
            assertEquals(x.length, rows.size(), remote + ": one row per input row from the Triton provider");
            for (int i = 0; i < x.length; i++) {
                assertArrayEquals(embedded.get(i), rows.get(i), remote + " row " + i + ": triton via serve == embedded");
                double[] reference = NET.forward(x[i]);
                Float[] p = rows.get(i);
                assertEquals(reference.length, p.length);
                for (int c = 0; c < p.length; c++) {
                    assertEquals(reference[c], p[c], 1e-5, remote + " row " + i + " output " + c);
                }
            }
        }
    }

    private static Map<Integer, Float[]> scores(StreamTableEnvironment sql, String model) throws Exception {
        Map<Integer, Float[]> out = new HashMap<>();
        try (CloseableIterator<Row> it = sql.executeSql(select(model)).collect()) {
            it.forEachRemaining(r -> out.put((Integer) r.getField(1), (Float[]) r.getField(2)));
        }
        return out;
    }

    private static String select(String model) {
        return "SELECT '" + model + "' AS model, id, output FROM ML_PREDICT(TABLE vectors, MODEL " + model
                + ", DESCRIPTOR(input))";
    }

    /** @return a Flink SQL literal of the row: {@code ARRAY[CAST(x AS FLOAT), ...]} */
    private static String sqlArray(float[] row) {
        return java.util.stream.IntStream.range(0, row.length).mapToObj(i -> "CAST(" + row[i] + " AS FLOAT)")
                .collect(java.util.stream.Collectors.joining(", ", "ARRAY[", "]"));
    }

    /** @return the messages of the throwable and all its causes, for an assertion on Flink's nested errors */
    private static String causes(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append(" | ");
        }
        return all.toString();
    }
}
