package io.inferstream.xgboost;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.testkit.contract.VersionSwapContractTest;
import io.inferstream.xgboost.fixtures.XgboostFixtures;
import io.inferstream.xgboost.fixtures.XgboostFixtures.Row;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hot-swap contract for XGBoost: version 1 is the {@code reg:squarederror} model and version 2 the
 * {@code count:poisson} model, both saved by XGBoost 1.7.4 on the same five features; every prediction must equal
 * what XGBoost 1.7.4 itself predicted for that row with the version it carries (rows with missing values included).
 */
class XgboostHotSwapTest extends VersionSwapContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final List<Row> regression = XgboostFixtures.rows("regression");
    private final List<Row> poisson = XgboostFixtures.rows("poisson");

    @Override
    protected Path writeVersion(int version, Path dir) throws Exception {
        return XgboostFixtures.copyTo(version == 1 ? "regression.json" : "poisson.json", dir);
    }

    @Override
    protected String format() {
        return XgboostLoader.FORMAT;
    }

    @Override
    protected String record(int row) {
        Row r = regression.get(row % regression.size());
        Map<String, Object> x = new LinkedHashMap<>();
        for (int j = 0; j < r.names.size(); j++) {
            x.put(r.names.get(j), Double.isNaN(r.values[j]) ? null : r.values[j]);
        }
        try {
            return JSON.writeValueAsString(x);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected double[] expected(int version, int row) {
        List<Row> rows = version == 1 ? regression : poisson; // the same feature rows, in the same order
        return new double[] {rows.get(row % rows.size()).number("y")};
    }

    @Override
    protected String outputName() {
        return XgboostOutputs.PREDICTION;
    }

    @Override
    protected double tolerance() {
        return 1e-5; // XGBoost 1.7.4 and 3.4 add the same float32 leaves; the predictions here are below 30
    }
}
