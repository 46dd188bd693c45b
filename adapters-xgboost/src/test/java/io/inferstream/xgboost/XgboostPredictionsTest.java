package io.inferstream.xgboost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.Model;
import io.inferstream.xgboost.fixtures.XgboostFixtures;
import io.inferstream.xgboost.fixtures.XgboostFixtures.Row;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every committed model, saved by XGBoost 1.7.4 and loaded by xgboost4j 3.4.0, predicts what XGBoost 1.7.4 itself
 * predicted for the same rows (recorded by {@code make_xgboost_fixtures.py}), missing values included.
 */
class XgboostPredictionsTest {
    /** Both runtimes compute in float32; the sums of a few dozen leaves may round differently in the last bit. */
    private static final double TOLERANCE = 1e-6;

    @ParameterizedTest(name = "{0}: P(1) over the best iteration")
    @CsvSource({"binary.json", "binary.ubj", "binary.bin", "bench.json"})
    void binaryLogisticUsesTheRecordedBestIteration(String file) throws Exception {
        List<Row> rows = XgboostFixtures.rows(file.substring(0, file.indexOf('.')));
        List<Prediction> got = score(file, namesFor(file, rows), rows);
        for (int i = 0; i < rows.size(); i++) {
            double p = rows.get(i).number("p");
            Prediction pr = got.get(i);
            assertEquals(p, pr.probabilities().get("1"), TOLERANCE, file + " row " + i);
            assertEquals(1 - p, pr.probabilities().get("0"), TOLERANCE, file + " row " + i);
            assertEquals(p > 0.5 ? "1" : "0", pr.label().orElseThrow(), file + " row " + i);
            assertEquals(p, pr.output("probabilities").getDouble(1), TOLERANCE);
        }
    }

    @ParameterizedTest(name = "{0}: every tree with best.iteration=false")
    @CsvSource({"binary.json", "binary.bin"})
    void everyTreeWhenAsked(String file) throws Exception {
        List<Row> rows = XgboostFixtures.rows("binary");
        Map<String, Object> options = new HashMap<>(namesFor(file, rows));
        options.put(XgboostOptions.BEST_ITERATION, "false");
        List<Prediction> got = score(file, options, rows);
        double largestGap = 0;
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(rows.get(i).number("p_all"), got.get(i).probabilities().get("1"), TOLERANCE, "row " + i);
            largestGap = Math.max(largestGap, Math.abs(rows.get(i).number("p_all") - rows.get(i).number("p")));
        }
        assertTrue(largestGap > 1e-3, "the fixture's extra trees change predictions, so the two tests differ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"multi_softprob.json", "multi_softprob.bin", "multi_softmax.ubj"})
    void multiclassGivesXgboostsClassAndSoftprobProbabilities(String file) throws Exception {
        String name = file.substring(0, file.indexOf('.'));
        List<Row> rows = XgboostFixtures.rows(name);
        List<Prediction> got = score(file, Map.of(), rows);
        for (int i = 0; i < rows.size(); i++) {
            double[] want = rows.get(i).numbers("probs");
            Prediction p = got.get(i);
            for (int c = 0; c < want.length; c++) {
                assertEquals(want[c], p.probabilities().get(Integer.toString(c)), TOLERANCE, file + " row " + i);
            }
            assertEquals(Integer.toString((int) rows.get(i).number("cls")), p.label().orElseThrow(), file + " row " + i);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"regression.json, y, prediction", "poisson.json, y, prediction", "ranking.json, score, score"})
    void numericObjectivesGiveXgboostsValue(String file, String expectedKey, String output) throws Exception {
        List<Row> rows = XgboostFixtures.rows(file.substring(0, file.indexOf('.')));
        List<Prediction> got = score(file, Map.of(), rows);
        for (int i = 0; i < rows.size(); i++) {
            Prediction p = got.get(i);
            double value = p.output(output).getDouble(0);
            double want = rows.get(i).number(expectedKey);
            assertEquals(want, value, TOLERANCE * Math.max(1, Math.abs(want)), file + " row " + i);
        }
    }

    /** The old binary format keeps no feature names: they are given as an option, as a user would. */
    private static Map<String, String> namesFor(String file, List<Row> rows) {
        return file.endsWith(".bin") && !rows.get(0).names.get(0).equals("f0")
                ? Map.of(XgboostOptions.FEATURE_NAMES, String.join(",", rows.get(0).names)) : Map.of();
    }

    private static List<Prediction> score(String file, Map<String, ?> options, List<Row> rows) throws Exception {
        List<Features> batch = new ArrayList<>();
        rows.forEach(r -> batch.add(r.features));
        try (Model model = new XgboostLoader().load(XgboostFixtures.source(file), options)) {
            List<Prediction> got = model.predict(batch);
            assertEquals(rows.size(), got.size());
            return got;
        }
    }
}
