package io.inferstream.h2o;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.Model;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.testkit.contract.ModelContractTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cross-framework contract for H2O: the {@link ReferenceClassifier} as a multinomial GLM MOJO
 * ({@code reference_glm}, fitted by {@link io.inferstream.h2o.fixtures.MojoFixtureGenerator} to the reference's
 * own probabilities), in process and through the engine on a real Kafka broker.
 *
 * <p>H2O cannot pin multinomial coefficients (it refuses beta constraints there), so the weights are fitted; the
 * fit is exact up to the solver's convergence, which leaves the probabilities within {@link #TOLERANCE} of the
 * reference. The MOJO itself reproduces H2O's in-memory predictions exactly ({@link H2oPredictionsTest}).
 */
class H2oContractTest extends ModelContractTest {
    /** Largest |p − reference| allowed: the fitted GLM is measured at 2.2e-8 (H2O 3.44, IRLSM). */
    static final double TOLERANCE = 1e-6;

    @Override
    protected ModelSource writeContractModel(Path dir) throws Exception {
        return ModelSource.of(MojoFixtures.copyTo("reference_glm", dir));
    }

    @Override
    protected double tolerance() {
        return TOLERANCE;
    }

    /** The direct check with the brief's inputs (200 rows, seed 42), reporting the error actually measured. */
    @Test
    void referenceProbabilitiesForTheContractInputs() throws Exception {
        double[][] xs = ReferenceClassifier.sampleInputs(200, 42);
        List<Features> batch = new ArrayList<>();
        for (double[] x : xs) {
            Features.Builder b = Features.builder();
            for (int j = 0; j < x.length; j++) {
                b.put(ReferenceClassifier.FEATURES.get(j), x[j]);
            }
            batch.add(b.build());
        }
        try (Model model = new H2oMojoLoader().load(MojoFixtures.source("reference_glm"), Map.of())) {
            assertEquals(ReferenceClassifier.LABELS, ((H2oMojoModel) model).classLabels());
            List<Prediction> got = model.predict(batch);
            double worst = 0;
            for (int i = 0; i < xs.length; i++) {
                double[] want = ReferenceClassifier.probabilities(xs[i]);
                List<Double> p = new ArrayList<>(got.get(i).probabilities().values());
                for (int c = 0; c < want.length; c++) {
                    worst = Math.max(worst, Math.abs(p.get(c) - want[c]));
                }
                assertEquals(ReferenceClassifier.label(xs[i]), got.get(i).label().orElseThrow(), "row " + i);
            }
            System.out.println("reference_glm: largest |p - reference| over 200 rows = " + worst);
            assertTrue(worst <= TOLERANCE, "largest error " + worst);
        }
    }
}
