package io.inferstream.lightgbm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.lightgbm.fixtures.LightGbmFixtures;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cross-framework contract for LightGBM. Trees cannot equal the contract's linear softmax, so the model is the
 * committed {@code contract} fixture: 30 rounds of three 7-leaf trees that LightGBM trained on the contract's four
 * features and on classes drawn from {@link ReferenceClassifier}'s probabilities; the contract's records, through
 * the adapter in process and through the engine on a real broker, must give the probabilities of a plain-Java walk
 * of the same text model's trees ({@link TextModelTreeWalk}) and the label of the most probable class. A test of its
 * own checks that the trees did learn the reference, so the contract is not passed by an unrelated model.
 */
class LightGbmContractTest extends ModelContractTest {
    private static final TextModelTreeWalk WALK =
            new TextModelTreeWalk(new String(LightGbmFixtures.bytes("contract"), StandardCharsets.UTF_8));

    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        return ModelSource.of(LightGbmFixtures.copyTo("contract", dir));
    }

    @Override
    protected Map<String, ?> loaderOptions() {
        return Map.of(LightGbmOptions.CLASS_LABELS, String.join(",", ReferenceClassifier.LABELS));
    }

    @Override
    protected double[] expectedProbabilities(double[] x) {
        return WALK.predict(x);
    }

    @Override
    protected double tolerance() {
        return 1e-9; // the library and the walk sum the same doubles, perhaps in another order
    }

    @Test
    void theTreesApproximateTheReferenceClassifier() {
        double[][] rows = ReferenceClassifier.sampleInputs(ROWS, 42);
        double error = 0;
        int sameLabel = 0;
        for (double[] x : rows) {
            double[] trees = WALK.predict(x);
            double[] reference = ReferenceClassifier.probabilities(x);
            for (int c = 0; c < reference.length; c++) {
                error += Math.abs(trees[c] - reference[c]) / (rows.length * reference.length);
            }
            sameLabel += ReferenceClassifier.mostProbableLabel(trees).equals(ReferenceClassifier.label(x)) ? 1 : 0;
        }
        System.out.printf("contract trees vs the linear reference: mean |p - p_ref| %.4f, same label %d of %d%n",
                error, sameLabel, rows.length);
        assertTrue(error < 0.1, "mean |p - p_ref| = " + error);
        assertTrue(sameLabel >= 0.85 * rows.length, "same label on " + sameLabel + " of " + rows.length);
    }
}
