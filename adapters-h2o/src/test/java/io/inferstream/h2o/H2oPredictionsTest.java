package io.inferstream.h2o;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import hex.genmodel.MojoModel;
import hex.genmodel.MojoReaderBackendFactory;
import hex.genmodel.easy.EasyPredictModelWrapper;
import hex.genmodel.easy.RowData;
import hex.genmodel.easy.prediction.AbstractPrediction;
import hex.genmodel.easy.prediction.AnomalyDetectionPrediction;
import hex.genmodel.easy.prediction.BinomialModelPrediction;
import hex.genmodel.easy.prediction.ClusteringModelPrediction;
import hex.genmodel.easy.prediction.MultinomialModelPrediction;
import hex.genmodel.easy.prediction.RegressionModelPrediction;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every scored fixture, loaded through the registry's format detection, must give (a) exactly what genmodel's
 * own {@link EasyPredictModelWrapper} gives for the same rows, and (b) H2O's in-memory predictions, made by the
 * training cluster (H2O 3.44) when the fixture was generated, within a small tolerance: the cluster scores with
 * its own in-memory model, not with the MOJO.
 *
 * <p>The rows include missing values and levels the model never saw (scored as missing by default, as H2O's own
 * predict does), and numbers given for a categorical column whose levels are numbers.
 */
class H2oPredictionsTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "gbm_binomial, 1e-12",
        "glm_regression, 1e-12",
        "glm_offset, 1e-12",
        "reference_glm, 1e-12",
        "kmeans_clustering, 0",
        "isofor_anomaly, 1e-12",
        "dl_binomial, 1e-9",
        "gbm_bench, 1e-12",
    })
    void matchesEasyPredictExactlyAndH2oWithinTolerance(String fixture, double h2oTolerance) throws Exception {
        ModelSource source = ModelSource.of(MojoFixtures.copyTo(fixture, dir));
        double worst = assertMatches(fixture, source, MojoFixtures.mojoBytes(fixture),
                MojoFixtures.csv(fixture + ".input.csv"), MojoFixtures.csv(fixture + ".expected.csv"), h2oTolerance);
        System.out.printf("%s: largest |adapter - H2O in-memory| = %s%n", fixture, worst);
    }

    /**
     * Loads {@code source} through the registry's detection, scores {@code inputs} in one batch and checks every
     * row against EasyPredictModelWrapper (exactly) and against H2O's {@code expected} frame (within tolerance).
     *
     * @return the largest difference from H2O's predictions
     */
    static double assertMatches(String fixture, ModelSource source, byte[] mojoBytes, List<Map<String, String>> inputs,
            List<Map<String, String>> expected, double h2oTolerance) throws Exception {
        assertEquals(inputs.size(), expected.size());
        try (Model model = ModelRegistry.discover().load(source, null, Map.of())) {
            assertEquals(H2oMojoLoader.FORMAT, model.info().format());
            List<Features> batch = new ArrayList<>();
            for (Map<String, String> row : inputs) {
                batch.add(features(row));
            }
            List<Prediction> got = model.predict(batch);
            assertEquals(batch.size(), got.size());

            EasyPredictModelWrapper easy = easyWrapper(mojoBytes);
            double worst = 0;
            for (int i = 0; i < got.size(); i++) {
                Prediction p = got.get(i);
                assertEasyPredictAgrees(easy, inputs.get(i), p, fixture + " row " + i);
                for (Map.Entry<String, String> e : expected.get(i).entrySet()) {
                    Tensor out = p.output(e.getKey());
                    assertTrue(out != null, fixture + ": no output '" + e.getKey() + "' in " + p);
                    if (out.type() == DataType.STRING) {
                        assertEquals(e.getValue(), out.asStrings()[0], fixture + " row " + i + " " + e.getKey());
                    } else {
                        double want = Double.parseDouble(e.getValue());
                        double diff = Math.abs(out.getDouble(0) - want);
                        worst = Math.max(worst, diff);
                        assertTrue(diff <= h2oTolerance, fixture + " row " + i + " " + e.getKey() + ": " + out.getDouble(0)
                                + " vs H2O " + want);
                    }
                }
            }
            return worst;
        }
    }

    /** A CSV row as the JSON codec would decode it: numbers as doubles, text as strings, empty cells absent. */
    static Features features(Map<String, String> row) {
        Features.Builder b = Features.builder();
        row.forEach((k, v) -> {
            try {
                b.put(k, Double.parseDouble(v));
            } catch (NumberFormatException e) {
                b.put(k, v);
            }
        });
        return b.build();
    }

    private static EasyPredictModelWrapper easyWrapper(byte[] mojoBytes) throws Exception {
        MojoModel mojo = MojoModel.load(MojoReaderBackendFactory.createReaderBackend(
                new ByteArrayInputStream(mojoBytes), MojoReaderBackendFactory.CachingStrategy.MEMORY));
        return new EasyPredictModelWrapper(new EasyPredictModelWrapper.Config().setModel(mojo)
                .setConvertUnknownCategoricalLevelsToNa(true));
    }

    /** The wrapper wants categorical values as text and numeric ones as Double. */
    private static void assertEasyPredictAgrees(EasyPredictModelWrapper easy, Map<String, String> csvRow, Prediction p,
            String where) throws Exception {
        RowData row = new RowData();
        String[] names = easy.m.getNames();
        csvRow.forEach((k, v) -> {
            int col = java.util.Arrays.asList(names).indexOf(k);
            boolean categorical = col >= 0 && easy.m.getDomainValues(col) != null;
            row.put(k, categorical ? (Object) v : (Object) Double.valueOf(v));
        });
        String offsetName = easy.m.getOffsetName();
        // The wrapper takes an offset as an argument, not from the row; only the regression fixture has one.
        AbstractPrediction ap = offsetName == null ? easy.predict(row)
                : easy.predictRegression(row, Double.parseDouble(csvRow.getOrDefault(offsetName, "0")));
        if (ap instanceof BinomialModelPrediction) {
            BinomialModelPrediction b = (BinomialModelPrediction) ap;
            assertEquals(b.label, p.label().orElseThrow(), where);
            assertProbabilities(b.classProbabilities, p, where);
        } else if (ap instanceof MultinomialModelPrediction) {
            MultinomialModelPrediction m = (MultinomialModelPrediction) ap;
            assertEquals(m.label, p.label().orElseThrow(), where);
            assertProbabilities(m.classProbabilities, p, where);
        } else if (ap instanceof RegressionModelPrediction) {
            assertEquals(((RegressionModelPrediction) ap).value, p.output("predict").getDouble(0), 0, where);
        } else if (ap instanceof ClusteringModelPrediction) {
            assertEquals(((ClusteringModelPrediction) ap).cluster, p.output("predict").getDouble(0), 0, where);
        } else {
            AnomalyDetectionPrediction a = (AnomalyDetectionPrediction) ap;
            assertEquals(a.normalizedScore, p.output("predict").getDouble(0), 0, where);
            assertEquals(a.score, p.output("mean_length").getDouble(0), 0, where);
        }
    }

    private static void assertProbabilities(double[] want, Prediction p, String where) {
        List<Double> got = new ArrayList<>(p.probabilities().values());
        assertEquals(want.length, got.size(), where);
        for (int c = 0; c < want.length; c++) {
            assertEquals(want[c], got.get(c), 0, where + " class " + c); // the same score0 on the same row: bit for bit
        }
    }
}
