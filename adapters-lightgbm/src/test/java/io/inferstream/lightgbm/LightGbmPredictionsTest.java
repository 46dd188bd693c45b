package io.inferstream.lightgbm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Prediction;
import io.inferstream.lightgbm.fixtures.LightGbmFixtures;
import io.inferstream.model.Model;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every committed model scored by the adapter (LightGBM's C++ library) equals an independent plain-Java walk of the
 * same text model's trees ({@link TextModelTreeWalk}), on rows with missing values, unseen and negative categories.
 */
class LightGbmPredictionsTest {
    /** Both sum the same doubles; the library may add them in another order. */
    private static final double TOLERANCE = 1e-9;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"binary", "multiclass", "regression", "bench"})
    void predictionsEqualAPlainJavaWalkOfTheTrees(String name) throws Exception {
        LightGbmFixtures.Data data = LightGbmFixtures.data(name, 400, 42);
        TextModelTreeWalk walk = new TextModelTreeWalk(new String(LightGbmFixtures.bytes(name), StandardCharsets.UTF_8));
        int missing = 0;
        try (Model model = new LightGbmLoader().load(LightGbmFixtures.source(name), Map.of())) {
            List<Prediction> got = model.predict(data.batch());
            for (int i = 0; i < data.x.length; i++) {
                double[] want = walk.predict(data.x[i]);
                Prediction p = got.get(i);
                switch (name) {
                    case "regression":
                        assertEquals(want[0], p.output("prediction").getDouble(0), TOLERANCE, "row " + i);
                        break;
                    case "multiclass":
                        for (int c = 0; c < 3; c++) {
                            assertEquals(want[c], p.probabilities().get(Integer.toString(c)), TOLERANCE, "row " + i);
                        }
                        break;
                    default:
                        assertEquals(want[0], p.probabilities().get("1"), TOLERANCE, "row " + i);
                        assertEquals(want[0] > 0.5 ? "1" : "0", p.label().orElseThrow(), "row " + i);
                }
                for (double v : data.x[i]) {
                    missing += Double.isNaN(v) ? 1 : 0;
                }
            }
        }
        assertTrue(name.equals("multiclass") || name.equals("bench") || missing > 50, "rows with missing values: " + missing);
    }
}
