package io.inferstream.pmml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each hand-written document scored through the SPI and checked against the same model computed here in plain
 * Java, from the structure described on its {@link PmmlFixtures} method: numbers, categories, missing values, the
 * document's own missing-value treatment, and the rows JPMML rejects.
 */
class PmmlModelTest {
    private static final double EPS = 1e-12;
    private static Model logistic;
    private static Model tree;
    private static Model forest;

    @BeforeAll
    static void load() throws Exception {
        PmmlModelLoader loader = new PmmlModelLoader();
        logistic = loader.load(source(PmmlFixtures.logisticRegression(), "approval.pmml"), Map.of());
        tree = loader.load(source(PmmlFixtures.decisionTree(), "kinds.xml"), Map.of());
        forest = loader.load(source(PmmlFixtures.randomForest(), "forest.pmml"), Map.of());
    }

    @AfterAll
    static void close() {
        for (Model m : new Model[] {logistic, tree, forest}) {
            if (m != null) {
                m.close();
            }
        }
    }

    private static ModelSource source(String pmml, String name) {
        return ModelSource.of(pmml.getBytes(StandardCharsets.UTF_8), name);
    }

    /** A row; null values are left out, i.e. missing. */
    private static Features row(Object... nameValue) {
        Features.Builder b = Features.builder();
        for (int i = 0; i < nameValue.length; i += 2) {
            Object v = nameValue[i + 1];
            if (v instanceof Double) {
                b.put((String) nameValue[i], (Double) v);
            } else if (v instanceof String) {
                b.put((String) nameValue[i], (String) v);
            } else if (v instanceof Tensor) {
                b.put((String) nameValue[i], (Tensor) v);
            }
        }
        return b.build();
    }

    // ---- logistic regression ------------------------------------------------------------------------------------

    /** p(yes) of {@link PmmlFixtures#logisticRegression()}; a missing income is 40, as the document says. */
    private static double pYes(double age, Double income, String colour) {
        double c = colour.equals("red") ? 0.5 : colour.equals("green") ? -0.3 : 0.0;
        double z = -1.5 + 0.04 * age + 0.02 * (income == null ? 40 : income) + c;
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void logisticRegressionGivesTheLogitProbabilitiesWithCategoriesAndReplacedMissingIncome() throws Exception {
        Random random = new Random(5);
        String[] colours = {"red", "green", "blue"};
        List<Features> batch = new ArrayList<>();
        List<double[]> args = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            double age = 18 + random.nextInt(60);
            double income = Math.round(random.nextDouble() * 1200) / 10.0;
            int colour = random.nextInt(3);
            boolean noIncome = i % 7 == 0;
            batch.add(noIncome ? row("age", age, "colour", colours[colour]) : row("age", age, "income", income, "colour", colours[colour]));
            args.add(new double[] {age, noIncome ? Double.NaN : income, colour});
        }
        List<Prediction> out = logistic.predict(batch);
        assertEquals(batch.size(), out.size());
        for (int i = 0; i < out.size(); i++) {
            double[] a = args.get(i);
            double p = pYes(a[0], Double.isNaN(a[1]) ? null : a[1], colours[(int) a[2]]);
            Prediction got = out.get(i);
            assertEquals(List.of("yes", "no"), List.copyOf(got.probabilities().keySet()));
            assertEquals(p, got.probabilities().get("yes"), EPS, "row " + i);
            assertEquals(1 - p, got.probabilities().get("no"), EPS, "row " + i);
            assertEquals(p, got.output("p_yes").asDoubles()[0], EPS, "row " + i);
            String label = p > 0.5 ? "yes" : "no";
            assertEquals(label, got.label().orElseThrow(), "row " + i);
            assertEquals(label, got.output("approved").asStrings()[0]);
            assertEquals(label, got.output("decision").asStrings()[0]);
        }
    }

    @Test
    void aMissingCategoryMatchesNoCategoricalPredictorAndAddsNothing() throws Exception {
        Prediction p = logistic.predict(List.of(row("age", 30.0, "income", 30.0))).get(0);
        double z = -1.5 + 0.04 * 30 + 0.02 * 30;
        assertEquals(1 / (1 + Math.exp(-z)), p.probabilities().get("yes"), EPS);
    }

    @Test
    void logisticRegressionSignatureShowsCategoricalLevelsAndNumericTypes() {
        assertEquals(List.of(FieldSpec.scalar("age", DataType.DOUBLE), FieldSpec.scalar("income", DataType.DOUBLE),
                FieldSpec.categorical("colour", List.of("red", "green", "blue"))), logistic.info().inputs());
        assertEquals(List.of(FieldSpec.categorical("approved", List.of("yes", "no")),
                FieldSpec.scalar("p_yes", DataType.DOUBLE), FieldSpec.scalar("decision", DataType.STRING)),
                logistic.info().outputs());
    }

    @Test
    void anUnknownCategoryRejectsThatRowWithJpmmlsMessageAndItsIndex() {
        List<Features> batch = List.of(row("age", 30.0, "income", 10.0, "colour", "red"),
                row("age", 30.0, "income", 10.0, "colour", "blue"),
                row("age", 30.0, "income", 10.0, "colour", "purple"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> logistic.predict(batch));
        assertEquals(2, e.recordIndex());
        assertEquals("colour", e.field());
        assertTrue(e.getMessage().contains("purple"), e.getMessage());
        assertTrue(e.getMessage().startsWith("field 'colour': "), e.getMessage());
    }

    @Test
    void textThatIsNotANumberInANumericFieldIsRejectedWithTheField() {
        List<Features> batch = List.of(row("age", 30.0, "colour", "red"), row("age", "thirty", "colour", "red"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> logistic.predict(batch));
        assertEquals(1, e.recordIndex());
        assertEquals("age", e.field());
        assertTrue(e.getMessage().contains("thirty"), e.getMessage());
    }

    @Test
    void numbersAsTextAndWholeNumbersAreAcceptedAsJpmmlParsesThem() throws Exception {
        List<Prediction> out = logistic.predict(List.of(
                row("age", "41.5", "income", Tensor.scalar(12L), "colour", "green")));
        assertEquals(pYes(41.5, 12.0, "green"), out.get(0).probabilities().get("yes"), EPS);
    }

    @Test
    void aMissingInputWithoutReplacementRejectsTheRowNamingIt() {
        List<Features> batch = List.of(row("age", 30.0, "colour", "red"), row("income", 10.0, "colour", "red"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> logistic.predict(batch));
        assertEquals(1, e.recordIndex());
        assertTrue(e.getMessage().contains("age"), e.getMessage());
    }

    @Test
    void aTensorWithSeveralValuesIsNotAScalarField() {
        List<Features> batch = List.of(row("age", Tensor.ofDoubles(new double[] {1, 2}), "colour", "red"));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> logistic.predict(batch));
        assertEquals(0, e.recordIndex());
        assertEquals("age", e.field());
        assertTrue(e.getMessage().contains("single value"), e.getMessage());
    }

    // ---- decision tree ------------------------------------------------------------------------------------------

    /**
     * Class counts (a, b, c) and leaf id of {@link PmmlFixtures#decisionTree()}: a missing value takes the default
     * child (node 1 at the root, node 3 under node 1).
     */
    private static Object[] treeLeaf(Double length, String colour) {
        boolean short_ = length == null || length < 5;
        if (!short_) {
            return new Object[] {new double[] {0, 1, 9}, "2", "c"};
        }
        boolean redOrGreen = colour == null || colour.equals("red") || colour.equals("green");
        return redOrGreen ? new Object[] {new double[] {8, 2, 0}, "3", "a"} : new Object[] {new double[] {1, 6, 3}, "4", "b"};
    }

    @Test
    void decisionTreeFollowsItsSplitsAndDefaultChildrenForMissingValues() throws Exception {
        Double[] lengths = {1.0, 4.999, 5.0, 12.5, null};
        String[] colours = {"red", "green", "blue", null};
        List<Features> batch = new ArrayList<>();
        List<Object[]> expected = new ArrayList<>();
        for (Double length : lengths) {
            for (String colour : colours) {
                batch.add(row("length", length, "colour", colour));
                expected.add(treeLeaf(length, colour));
            }
        }
        List<Prediction> out = tree.predict(batch);
        for (int i = 0; i < batch.size(); i++) {
            double[] counts = (double[]) expected.get(i)[0];
            double total = counts[0] + counts[1] + counts[2];
            Prediction p = out.get(i);
            String where = "row " + i + " " + batch.get(i);
            assertEquals(expected.get(i)[2], p.label().orElseThrow(), where);
            assertEquals(List.of("a", "b", "c"), List.copyOf(p.probabilities().keySet()), where);
            for (int c = 0; c < 3; c++) {
                assertEquals(counts[c] / total, p.probabilities().get(List.of("a", "b", "c").get(c)), EPS, where);
            }
            assertEquals(counts[0] / total, p.output("p_a").asDoubles()[0], EPS, where);
            assertEquals(expected.get(i)[1], p.output("leaf").asStrings()[0], where);
        }
    }

    @Test
    void outputFieldsWithoutADeclaredTypeTakeTheTypeTheirFeatureImplies() throws Exception {
        // PMML before 4.4 let OutputField leave dataType out; the 4.4 schema requires it, hence no validation here.
        String pmml = PmmlFixtures.decisionTree()
                .replace("<OutputField name=\"p_a\" optype=\"continuous\" dataType=\"double\"", "<OutputField name=\"p_a\"")
                .replace("<OutputField name=\"leaf\" optype=\"categorical\" dataType=\"string\"", "<OutputField name=\"leaf\"");
        try (Model model = new PmmlModelLoader().load(source(pmml, "kinds.pmml"), Map.of(PmmlModelLoader.VALIDATE, "false"))) {
            assertEquals(List.of(FieldSpec.categorical("kind", List.of("a", "b", "c")), FieldSpec.scalar("p_a", DataType.DOUBLE),
                    FieldSpec.scalar("leaf", DataType.STRING)), model.info().outputs());
            Prediction p = model.predict(List.of(row("length", 1.0, "colour", "red"))).get(0);
            assertEquals(0.8, p.output("p_a").asDoubles()[0], EPS);
            assertEquals("3", p.output("leaf").asStrings()[0]);
        }
    }

    // ---- random-forest-style ensemble ---------------------------------------------------------------------------

    /** {@link PmmlFixtures#randomForest()} in plain Java; a missing x2 is 0, as the document says. */
    private static double forestMean(double x1, Double x2Boxed) {
        double x2 = x2Boxed == null ? 0 : x2Boxed;
        double t1 = x1 < 0.5 ? 1.0 : 3.0;
        double t2 = x2 < 2 ? 10.0 : -2.0;
        double t3 = x1 < -1 ? 0.5 : (x2 >= 1 ? 4.0 : 2.0);
        return (t1 + t2 + t3) / 3;
    }

    @Test
    void forestAveragesItsTreesAndKeepsNumbersNumeric() throws Exception {
        Random random = new Random(11);
        List<Features> batch = new ArrayList<>();
        List<Double> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double x1 = Math.round((random.nextDouble() * 6 - 3) * 8) / 8.0;
            Double x2 = i % 10 == 0 ? null : Math.round((random.nextDouble() * 6 - 3) * 8) / 8.0;
            batch.add(row("x1", x1, "x2", x2));
            expected.add(forestMean(x1, x2));
        }
        batch.add(row("x1", Tensor.scalar(2L), "x2", Tensor.scalar(1L)));
        expected.add(forestMean(2, 1.0));
        List<Prediction> out = forest.predict(batch);
        for (int i = 0; i < batch.size(); i++) {
            Tensor y = out.get(i).output("y");
            assertEquals(DataType.DOUBLE, y.type());
            assertTrue(y.isScalar());
            assertEquals(expected.get(i), y.asDoubles()[0], EPS, "row " + i + " " + batch.get(i));
            assertFalse(out.get(i).label().isPresent(), "a regression has no label");
            assertTrue(out.get(i).probabilities().isEmpty());
        }
        assertEquals(List.of(FieldSpec.scalar("y", DataType.DOUBLE)), forest.info().outputs());
        assertEquals("MiningModel", forest.info().properties().get("model.type"));
    }

    // ---- the model as a whole -----------------------------------------------------------------------------------

    @Test
    void oneSharedModelGivesTheSameAnswersFromManyThreads() throws Exception {
        List<Features> batch = new ArrayList<>();
        Random random = new Random(3);
        for (int i = 0; i < 64; i++) {
            batch.add(row("x1", random.nextDouble() * 6 - 3, "x2", random.nextDouble() * 6 - 3));
        }
        List<Prediction> reference = forest.predict(batch);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                runs.add(pool.submit(() -> {
                    for (int k = 0; k < 50; k++) {
                        if (!forest.predict(batch).equals(reference)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> run : runs) {
                assertTrue(run.get(), "concurrent predictions differ");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anUndefinedFieldOnABranchTheLoadDidNotReachFailsTheModelNotTheRecord() throws Exception {
        // JPMML resolves fields as it evaluates; the load's warm-up row (length 0) takes the left branch only.
        String pmml = PmmlFixtures.decisionTree().replace(
                "<SimplePredicate field=\"length\" operator=\"greaterOrEqual\" value=\"5\"/>",
                "<SimplePredicate field=\"width\" operator=\"greaterOrEqual\" value=\"5\"/>");
        try (Model model = new PmmlModelLoader().load(source(pmml, "kinds.pmml"), Map.of())) {
            assertEquals("a", model.predict(List.of(row("length", 1.0, "colour", "red"))).get(0).label().orElseThrow());
            ModelFailureException e = assertThrows(ModelFailureException.class,
                    () -> model.predict(List.of(row("length", 1.0, "colour", "red"), row("length", 7.0, "colour", "red"))));
            assertTrue(e.getMessage().contains("width"), e.getMessage());
        }
    }

    @Test
    void aClosedModelFailsAsAWholeAndCloseIsIdempotent() throws Exception {
        Model model = new PmmlModelLoader().load(source(PmmlFixtures.randomForest(), "forest.pmml"), Map.of());
        assertEquals(1, model.predict(List.of(row("x1", 0.0, "x2", 0.0))).size());
        model.close();
        model.close();
        ModelFailureException e = assertThrows(ModelFailureException.class, () -> model.predict(List.of(row("x1", 0.0))));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void anEmptyBatchGivesNoPredictions() throws Exception {
        assertTrue(forest.predict(List.of()).isEmpty());
        assertNull(forest.info().input("y"), "the target is not an input");
    }
}
