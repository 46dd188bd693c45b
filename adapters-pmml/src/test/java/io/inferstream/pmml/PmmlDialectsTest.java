package io.inferstream.pmml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Documents in the dialects of R's pmml package (and rattle before it) and of sklearn2pmml, in
 * {@code src/test/resources/pmml/dialects}, written by hand the way those tools lay them out: R's Header with its
 * {@code Extension} and {@code Application} ({@code R/PMML}, {@code Rattle/PMML}, {@code SoftwareAG PMML
 * Generator}), {@code numberOfFields}, {@code usageType="predicted"}, PMML 3.2 and 4.2 namespaces, OutputFields
 * without {@code dataType}; sklearn2pmml's tab-indented PMML 4.4 with its {@code MiningBuildTask} and the
 * {@code float(...)} fields its trees split on. Each loads by default (warnings for its schema findings), is refused
 * by {@code pmml.validate=strict} exactly when it has findings, and scores as the same model computed here in
 * plain Java, never by JPMML.
 */
class PmmlDialectsTest {
    private static final int ROWS = 300;
    private static final double EPS = 1e-12;
    private static final String NO_DATA_TYPE = "Attribute 'dataType' must appear on element 'OutputField'";

    static ModelSource dialect(String file) throws IOException {
        try (InputStream in = PmmlDialectsTest.class.getResourceAsStream("/pmml/dialects/" + file)) {
            if (in == null) {
                throw new IOException("missing test resource pmml/dialects/" + file);
            }
            return ModelSource.of(in.readAllBytes(), file);
        }
    }

    private static PmmlModel load(String file, Map<String, String> options) throws Exception {
        return (PmmlModel) new PmmlModelLoader().load(dialect(file), options);
    }

    private static double sigmoid(double eta) {
        return 1 / (1 + Math.exp(-eta));
    }

    private static double round(double x, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(x * f) / f;
    }

    private static double number(Prediction p, String output) {
        return p.output(output).getDouble(0);
    }

    private static String text(Prediction p, String output) {
        return String.valueOf(p.output(output).get(0));
    }

    @Test
    void rPmmlGeneralisedLinearModelOnPmml42ScoresAsTheLogisticFormula() throws Exception {
        // glm(approved ~ income + debt + region, family = binomial): eta = p0 + p1 income + p2 debt + p3 [south]
        // + p4 [west] (north is the reference level), P(approved = 1) = 1 / (1 + e^-eta).
        String[] regions = {"north", "south", "west"};
        Random random = new Random(1);
        List<Features> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(Features.builder().put("income", round(10 + random.nextDouble() * 110, 2))
                    .put("debt", round(random.nextDouble() * 50, 2)).put("region", regions[random.nextInt(3)]).build());
        }
        try (PmmlModel model = load("r_pmml_glm_binomial.pmml", Map.of())) {
            assertEquals(List.of(NO_DATA_TYPE + " (line 30)"), model.warnings());
            assertEquals("R/PMML 1.5.2", model.info().properties().get("producer"));
            assertEquals("4.2 (read as 4.4)", model.info().properties().get("pmml.version"));
            List<Prediction> predictions = model.predict(rows);
            for (int i = 0; i < ROWS; i++) {
                Features x = rows.get(i);
                String region = String.valueOf(x.get("region").get(0));
                double eta = -1.25087463217634 + 0.0421893775017264 * x.get("income").getDouble(0)
                        - 0.0653308142770118 * x.get("debt").getDouble(0)
                        + (region.equals("south") ? 0.310762545203312 : 0) + (region.equals("west") ? -0.579934186315228 : 0);
                double p1 = sigmoid(eta);
                String label = p1 > 0.5 ? "1" : "0";
                Prediction p = predictions.get(i);
                assertEquals(p1, number(p, "Probability_1"), EPS, "row " + i);
                assertEquals(1 - p1, p.probabilities().get("0"), EPS, "row " + i);
                assertEquals(label, p.label().orElseThrow(), "row " + i);
                assertEquals(label, text(p, "approved"));
                assertEquals(label, text(p, "Predicted_approved"), "an OutputField without dataType takes the target's");
            }
        }
    }

    @Test
    void rPmmlLinearModelScoresAsTheRegressionEquation() throws Exception {
        // lm(mpg ~ wt + hp, data = mtcars), R's own coefficients.
        Random random = new Random(2);
        List<Features> rows = new ArrayList<>();
        rows.add(Features.builder().put("wt", 2.620).put("hp", 110.0).build()); // Mazda RX4
        for (int i = 1; i < ROWS; i++) {
            rows.add(Features.builder().put("wt", round(1.5 + random.nextDouble() * 4, 3))
                    .put("hp", (double) (50 + random.nextInt(290))).build());
        }
        try (PmmlModel model = load("r_pmml_lm.pmml", Map.of())) {
            assertEquals(List.of(), model.warnings(), "a clean PMML 4.4 document");
            assertNull(model.info().properties().get(PmmlModelLoader.WARNINGS_PROPERTY));
            List<Prediction> predictions = model.predict(rows);
            for (int i = 0; i < ROWS; i++) {
                double mpg = 37.2272701164036 - 3.87783074052091 * rows.get(i).get("wt").getDouble(0)
                        - 0.0317729470032184 * rows.get(i).get("hp").getDouble(0);
                assertEquals(mpg, number(predictions.get(i), "mpg"), EPS, "row " + i);
                assertEquals(mpg, number(predictions.get(i), "Predicted_mpg"), EPS, "row " + i);
            }
            assertEquals(23.572329, number(predictions.get(0), "mpg"), 1e-6, "R's fitted value for the Mazda RX4");
        }
    }

    /**
     * The rattle tree by hand: node 1 → node 2 if the surrogate (income ≥ 35.5, else age ≥ 41.5) holds or is
     * unknown (node 1's default child), else node 3; node 2 → node 4 if employment is private or public, or
     * unknown (default child), node 5 if self. Leaf counts: 4 → 20 high / 180 low, 5 → 30/20, 3 → 80/70.
     * @return P(high)
     */
    private static double rattleHigh(Double age, Double income, String employment) {
        Boolean richOrOld = income != null ? Boolean.valueOf(income >= 35.5) : age != null ? Boolean.valueOf(age >= 41.5) : null;
        if (richOrOld != null && !richOrOld) {
            return 80 / 150.0;
        }
        return "self".equals(employment) ? 30 / 50.0 : 20 / 200.0;
    }

    @Test
    void rattleTreeOnPmml32FollowsItsSurrogatesAndDefaultChildren() throws Exception {
        String[] jobs = {"private", "public", "self", null};
        Random random = new Random(3);
        List<Features> rows = new ArrayList<>();
        List<Object[]> values = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            // Every fourth value is missing, so surrogates and default children are taken often.
            Double age = random.nextInt(4) == 0 ? null : (double) (18 + random.nextInt(60));
            Double income = random.nextInt(4) == 0 ? null : round(10 + random.nextDouble() * 60, 1);
            String job = jobs[random.nextInt(4)];
            Features.Builder row = Features.builder();
            if (age != null) {
                row.put("age", age);
            }
            if (income != null) {
                row.put("income", income);
            }
            if (job != null) {
                row.put("employment", job);
            }
            rows.add(row.build());
            values.add(new Object[] {age, income, job});
        }
        try (PmmlModel model = load("rattle_rpart_tree.pmml", Map.of())) {
            assertEquals(List.of(NO_DATA_TYPE + " (lines 29, 30, 31)"), model.warnings());
            assertEquals("Rattle/PMML 1.2.27", model.info().properties().get("producer"));
            String property = model.info().properties().get(PmmlModelLoader.WARNINGS_PROPERTY);
            assertTrue(property.startsWith("3 findings of the PMML 4.4 schema that JPMML reads past (pmml.validate=warn;"),
                    property);
            assertTrue(property.endsWith(NO_DATA_TYPE + " (lines 29, 30, 31)"), property);
            List<Prediction> predictions = model.predict(rows);
            for (int i = 0; i < ROWS; i++) {
                Object[] v = values.get(i);
                double high = rattleHigh((Double) v[0], (Double) v[1], (String) v[2]);
                String label = high > 0.5 ? "high" : "low";
                Prediction p = predictions.get(i);
                assertEquals(high, number(p, "Probability_high"), EPS, "row " + i + " " + rows.get(i));
                assertEquals(1 - high, number(p, "Probability_low"), EPS, "row " + i);
                assertEquals(label, p.label().orElseThrow(), "row " + i);
                assertEquals(label, text(p, "Predicted_risk"), "row " + i);
            }
        }
    }

    @Test
    void sklearn2pmmlLogisticRegressionScoresAsTheLogisticFormula() throws Exception {
        Random random = new Random(4);
        List<Features> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            rows.add(Features.builder().put("tenure", (double) random.nextInt(72))
                    .put("monthly_charges", round(18 + random.nextDouble() * 100, 2))
                    .put("support_calls", (double) random.nextInt(8)).build());
        }
        try (PmmlModel model = load("sklearn2pmml_logistic_regression.pmml", Map.of())) {
            assertEquals(List.of(), model.warnings(), "sklearn2pmml writes schema-valid PMML 4.4");
            assertEquals("SkLearn2PMML package 0.104.1", model.info().properties().get("producer"));
            List<Prediction> predictions = model.predict(rows);
            for (int i = 0; i < ROWS; i++) {
                Features x = rows.get(i);
                double p1 = sigmoid(-0.8731524515104862 - 0.05412270211725093 * x.get("tenure").getDouble(0)
                        + 0.021365420185623456 * x.get("monthly_charges").getDouble(0)
                        + 0.4460328301421987 * x.get("support_calls").getDouble(0));
                Prediction p = predictions.get(i);
                assertEquals(p1, number(p, "probability(1)"), EPS, "row " + i);
                assertEquals(1 - p1, number(p, "probability(0)"), EPS, "row " + i);
                // An integer target stays a number; the label is its text.
                assertEquals(p1 > 0.5 ? 1L : 0L, p.output("churn").asLongs()[0], "row " + i);
                assertEquals(p1 > 0.5 ? "1" : "0", p.label().orElseThrow(), "row " + i);
            }
        }
    }

    /**
     * The sklearn2pmml tree by hand, on float32 values as scikit-learn compares them: petal_length ≤ 2.45 →
     * setosa 50/0/0; else petal_width ≤ 1.75 → (petal_length ≤ 4.95 → 0/47/1 of 48, else 0/2/4 of 6); else 0/1/45 of 46.
     * @return the class probabilities setosa, versicolor, virginica
     */
    private static double[] irisTree(double petalLength, double petalWidth) {
        float length = (float) petalLength;
        float width = (float) petalWidth;
        if (length <= 2.45f) {
            return new double[] {1, 0, 0};
        }
        if (width <= 1.75f) {
            return length <= 4.95f ? new double[] {0, 47 / 48.0, 1 / 48.0} : new double[] {0, 2 / 6.0, 4 / 6.0};
        }
        return new double[] {0, 1 / 46.0, 45 / 46.0};
    }

    @Test
    void sklearn2pmmlDecisionTreeSplitsOnFloat32ValuesAsScikitLearnDoes() throws Exception {
        String[] species = {"setosa", "versicolor", "virginica"};
        Random random = new Random(5);
        List<double[]> values = new ArrayList<>();
        // 2.4500000001 is above 2.45 as a double but equal to it as a float: scikit-learn (and the document's
        // float(...) fields) put it in the setosa leaf.
        values.add(new double[] {2.4500000001, 0.3});
        values.add(new double[] {4.95, 1.75});
        for (int i = values.size(); i < ROWS; i++) {
            values.add(new double[] {round(1 + random.nextDouble() * 6, 2), round(0.1 + random.nextDouble() * 2.4, 2)});
        }
        List<Features> rows = new ArrayList<>();
        values.forEach(v -> rows.add(Features.builder().put("petal_length", v[0]).put("petal_width", v[1]).build()));
        try (PmmlModel model = load("sklearn2pmml_decision_tree.pmml", Map.of())) {
            assertEquals(List.of(NO_DATA_TYPE + " (lines 26, 27, 28)"), model.warnings());
            List<Prediction> predictions = model.predict(rows);
            for (int i = 0; i < ROWS; i++) {
                double[] want = irisTree(values.get(i)[0], values.get(i)[1]);
                Prediction p = predictions.get(i);
                int best = 0;
                for (int c = 0; c < 3; c++) {
                    assertEquals(want[c], number(p, "probability(" + species[c] + ")"), EPS, "row " + i);
                    best = want[c] > want[best] ? c : best;
                }
                assertEquals(species[best], p.label().orElseThrow(), "row " + i);
            }
            assertEquals("setosa", predictions.get(0).label().orElseThrow());
            // missingValueStrategy="nullPrediction": a missing input gives no prediction, so the row is rejected.
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> model.predict(List.of(Features.builder().put("petal_length", 5.0).build())));
            assertTrue(e.getMessage().contains("petal_width"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "r_pmml_glm_binomial.pmml, 30",
        "r_pmml_lm.pmml, 0",
        "rattle_rpart_tree.pmml, 29",
        "sklearn2pmml_logistic_regression.pmml, 0",
        "sklearn2pmml_decision_tree.pmml, 26",
    })
    void strictRefusesExactlyTheDocumentsWithFindingsAndNoneScoresAllAlike(String file, int firstFindingLine) throws Exception {
        if (firstFindingLine > 0) {
            ModelLoadException e = assertThrows(ModelLoadException.class,
                    () -> load(file, Map.of(PmmlModelLoader.VALIDATE, "strict")));
            assertTrue(e.getMessage().contains("does not follow the PMML 4.4 schema (pmml.validate=strict"), e.getMessage());
            assertTrue(e.getMessage().contains("line " + firstFindingLine + ": cvc-complex-type.4: " + NO_DATA_TYPE), e.getMessage());
        } else {
            load(file, Map.of(PmmlModelLoader.VALIDATE, "strict")).close();
        }
        try (Model warn = load(file, Map.of()); PmmlModel none = load(file, Map.of(PmmlModelLoader.VALIDATE, "none"))) {
            assertEquals(List.of(), none.warnings(), "without the schema there is nothing to report");
            List<Features> rows = sampleRows(warn);
            assertEquals(warn.predict(rows), none.predict(rows), "the schema changes what is reported, never the scores");
        }
    }

    /** Rows with a value for every input: the first category of categorical ones, 1.5 for numbers. */
    private static List<Features> sampleRows(Model model) {
        Features.Builder row = Features.builder();
        model.info().inputs().forEach(f -> {
            if (f.levels().isEmpty()) {
                row.put(f.name(), 1.5);
            } else {
                row.put(f.name(), f.levels().get(0));
            }
        });
        return List.of(row.build());
    }
}
