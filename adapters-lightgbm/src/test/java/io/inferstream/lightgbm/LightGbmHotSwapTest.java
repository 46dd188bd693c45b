package io.inferstream.lightgbm;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.inferstream.lightgbm.fixtures.LightGbmFixtureGenerator;
import io.inferstream.lightgbm.fixtures.LightGbmFixtures;
import io.inferstream.testkit.contract.VersionSwapContractTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hot-swap contract for LightGBM: version 1 is the committed regression model (30 trees of 15 leaves), version
 * 2 a smaller one LightGBM trains here on the same features (12 trees of 7 leaves); every prediction must equal the
 * plain-Java walk of the trees of the version it carries ({@link TextModelTreeWalk}), rows with missing values
 * included.
 */
class LightGbmHotSwapTest extends VersionSwapContractTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final LightGbmFixtures.Data data = LightGbmFixtures.data("regression", ROWS, 42);
    private final String[] texts = new String[3];
    private final TextModelTreeWalk[] walks = new TextModelTreeWalk[3];

    @Override
    protected Path writeVersion(int version, Path dir) throws Exception {
        return Files.writeString(Files.createDirectories(dir).resolve("regression.txt"), text(version),
                StandardCharsets.UTF_8);
    }

    @Override
    protected String format() {
        return LightGbmLoader.FORMAT;
    }

    @Override
    protected String record(int row) {
        Map<String, Object> x = new LinkedHashMap<>();
        for (int j = 0; j < data.names.size(); j++) {
            double v = data.x[row][j];
            x.put(data.names.get(j), Double.isNaN(v) ? null : v);
        }
        try {
            return JSON.writeValueAsString(x);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected double[] expected(int version, int row) throws Exception {
        synchronized (this) {
            if (walks[version] == null) {
                walks[version] = new TextModelTreeWalk(text(version));
            }
        }
        return walks[version].predict(data.x[row]);
    }

    @Override
    protected String outputName() {
        return LightGbmOutputs.PREDICTION;
    }

    @Override
    protected double tolerance() {
        return 1e-9; // both sum the same doubles, perhaps in another order
    }

    private synchronized String text(int version) throws Exception {
        if (texts[version] == null) {
            texts[version] = version == 1 ? new String(LightGbmFixtures.bytes("regression"), StandardCharsets.UTF_8)
                    : LightGbmFixtureGenerator.trainText("regression", 600, "objective=regression num_leaves=7", 12);
        }
        return texts[version];
    }
}
