package io.inferstream.examples.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example fraud model's own behaviour: rules, the error kinds of the Model contract, and close(). */
class RulesLogisticModelTest {
    /** The file the README runs; kept in the module so that the documented commands use exactly this. */
    static final Path FRAUD = Path.of("fraud.rules.json");

    @TempDir
    Path dir;

    private static Features txn(double amount, double hour, double foreign, double velocity) {
        return Features.builder().put("amount", amount).put("hour", hour).put("foreign", foreign)
                .put("velocity", velocity).build();
    }

    private static Model fraud() throws ModelLoadException {
        return ModelRegistry.discover().load(ModelSource.of(FRAUD), null, java.util.Map.of());
    }

    @Test
    void theRegistryFindsItThroughMetaInfServices() throws Exception {
        assertTrue(ModelRegistry.discover().formats().contains("rules-logistic"));
        try (Model model = fraud()) {
            assertEquals("fraud", model.info().name());
            assertEquals(List.of("amount", "hour", "foreign", "velocity"),
                    model.info().inputs().stream().map(f -> f.name()).toList());
        }
    }

    @Test
    void rulesDecideFirstAndTheRegressionScoresTheRest() throws Exception {
        try (Model model = fraud()) {
            List<Prediction> p = model.predict(List.of(txn(25_000, 14, 0, 1), txn(40, 14, 0, 1), txn(900, 3, 1, 12)));
            assertEquals("fraud", p.get(0).label().orElseThrow());
            assertEquals(1.0, p.get(0).probabilities().get("fraud"));
            assertEquals("huge-amount", p.get(0).output("rule").get(0));
            assertEquals("legit", p.get(1).label().orElseThrow());
            assertEquals("", p.get(1).output("rule").get(0));
            // The regression by hand: logit(fraud) - logit(legit) for the third transaction.
            double z = -6.0 + 0.002 * 900 - 0.05 * 3 + 1.5 * 1 + 0.35 * 12;
            assertEquals(1 / (1 + Math.exp(-z)), p.get(2).probabilities().get("fraud"), 1e-12);
        }
    }

    @Test
    void aBadRecordIsAnInvalidInputWithItsIndex() throws Exception {
        try (Model model = fraud()) {
            Features noHour = Features.builder().put("amount", 10.0).put("foreign", 0.0).put("velocity", 1.0).build();
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> model.predict(List.of(txn(1, 1, 0, 1), noHour)));
            assertEquals(1, e.recordIndex());
            assertTrue(e.getMessage().contains("hour"), e.getMessage());
            e = assertThrows(InvalidInputException.class, () -> model.predict(List.of(txn(Double.NaN, 1, 0, 1))));
            assertEquals(0, e.recordIndex());
        }
    }

    @Test
    void closeIsIdempotentAndAClosedModelFailsModelWide() throws Exception {
        Model model = fraud();
        model.close();
        model.close();
        assertThrows(ModelFailureException.class, () -> model.predict(List.of(txn(1, 1, 0, 1))));
    }

    @Test
    void aBrokenFileFailsAtLoadNamingTheProblem() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong.rules.json"), "{\"features\": [\"a\", \"b\"], \"classes\": "
                + "[\"x\", \"y\"], \"weights\": [[1, 2], [3]], \"bias\": [0, 0]}");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> new RulesLogisticLoader().load(
                ModelSource.of(wrong), java.util.Map.of()));
        assertTrue(e.getMessage().contains("wrong.rules.json") && e.getMessage().contains("weights[1]"), e.getMessage());
    }
}
