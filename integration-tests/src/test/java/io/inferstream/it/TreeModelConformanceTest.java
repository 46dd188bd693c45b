package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.lightgbm.fixtures.LightGbmFixtures;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.xgboost.fixtures.XgboostFixtures;
import io.inferstream.xgboost.fixtures.XgboostFixtures.Row;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The same trees in other formats score alike: a regression booster trained by its own framework (XGBoost 1.7.4 in
 * Python; LightGBM 4.3 through lightgbm4j) is scored by its adapter (the framework's native library) and, written
 * node for node as PMML ({@link BoosterTrees}), by the PMML adapter (JPMML, plain Java), on rows with missing values;
 * the LightGBM model's trees are also written as an XGBoost model and scored by xgboost4j.
 * Each must also give what the framework itself predicted: XGBoost's recorded predictions; for LightGBM the adapter's
 * own test holds it to a plain-Java walk of the trees.
 */
class TreeModelConformanceTest {
    @Test
    void xgboostTreesGiveTheSamePredictionsThroughXgboostAndThroughPmml() throws Exception {
        List<Row> rows = XgboostFixtures.rows("regression");
        List<Features> batch = new ArrayList<>();
        int missing = 0;
        for (Row r : rows) {
            batch.add(r.features);
            missing += hasNaN(r.values) ? 1 : 0;
        }
        byte[] json = XgboostFixtures.bytes("regression.json");
        List<Prediction> native_ = score(ModelSource.of(json, "regression.json"), "xgboost", batch);
        List<Prediction> pmml = score(pmml(BoosterTrees.fromXgboostJson(json)), "pmml", batch);
        for (int i = 0; i < rows.size(); i++) {
            double want = rows.get(i).number("y"); // XGBoost 1.7.4's own prediction, in float32
            double tolerance = 1e-6 * Math.max(1, Math.abs(want));
            assertEquals(want, value(native_.get(i)), tolerance, "xgboost4j, row " + i);
            // JPMML sums the float32 leaves in double precision, XGBoost in float32: they differ in the last bits.
            assertEquals(value(native_.get(i)), value(pmml.get(i)), tolerance, "PMML, row " + i);
        }
        assertTrue(missing > 20, "rows with a missing value: " + missing);
    }

    @Test
    void lightgbmTreesGiveTheSamePredictionsThroughLightgbmXgboostAndPmml() throws Exception {
        LightGbmFixtures.Data data = LightGbmFixtures.data("regression", 400, 42);
        byte[] text = LightGbmFixtures.bytes("regression");
        String model = new String(text, StandardCharsets.UTF_8);
        List<Prediction> lightgbm = score(ModelSource.of(text, "regression.txt"), "lightgbm", data.batch());
        List<Prediction> pmml = score(pmml(BoosterTrees.fromLightGbmText(model)), "pmml", data.batch());
        // The same trees as an XGBoost model (the XGBoost regression fixture has the same five features).
        byte[] asXgboost = BoosterTrees.lightGbmAsXgboostJson(model, XgboostFixtures.bytes("regression.json"));
        List<Prediction> xgboost = score(ModelSource.of(asXgboost, "from-lightgbm.json"), "xgboost", data.batch());
        int missing = 0;
        for (int i = 0; i < data.x.length; i++) {
            double want = value(lightgbm.get(i));
            // Both add the same doubles (LightGBM's thresholds and leaves are written in full precision).
            assertEquals(want, value(pmml.get(i)), 1e-9, "PMML, row " + i);
            // XGBoost holds each leaf as a float32 and sums them in float32: 30 roundings (3.2e-6 at most, measured).
            assertEquals(want, value(xgboost.get(i)), 1e-5, "XGBoost, row " + i);
            missing += hasNaN(data.x[i]) ? 1 : 0;
        }
        assertTrue(missing > 50, "rows with a missing value: " + missing);
    }

    private static List<Prediction> score(ModelSource source, String format, List<Features> batch) throws Exception {
        try (Model model = ModelRegistry.discover().load(source, format, Map.of())) {
            return model.predict(batch);
        }
    }

    private static ModelSource pmml(String document) {
        return ModelSource.of(document.getBytes(StandardCharsets.UTF_8), "trees.pmml");
    }

    private static double value(Prediction p) {
        return p.output(BoosterTrees.TARGET).getDouble(0);
    }

    private static boolean hasNaN(double[] values) {
        for (double v : values) {
            if (Double.isNaN(v)) {
                return true;
            }
        }
        return false;
    }
}
