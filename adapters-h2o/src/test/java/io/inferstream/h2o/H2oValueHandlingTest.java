package io.inferstream.h2o;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * How field values reach the MOJO's columns: unknown levels and unparsable numbers under both policies, numbers
 * and booleans in categorical columns, text in numeric ones, and the per-record errors the engine relies on.
 * The GBM binomial fixture's inputs are {@code x1, x2} (numeric), {@code colour} (blue/green/red) and {@code cyl}
 * (levels 4/6/8).
 */
class H2oValueHandlingTest {
    private static final H2oMojoLoader LOADER = new H2oMojoLoader();

    private static Model gbm(Map<String, String> options) throws Exception {
        return LOADER.load(MojoFixtures.source("gbm_binomial"), options);
    }

    private static Features row(Object colour, Object cyl, Object x1) {
        Features.Builder b = Features.builder().put("x2", 0.25);
        put(b, "colour", colour);
        put(b, "cyl", cyl);
        put(b, "x1", x1);
        return b.build();
    }

    private static void put(Features.Builder b, String name, Object v) {
        if (v instanceof String) {
            b.put(name, (String) v);
        } else if (v instanceof Double) {
            b.put(name, (Double) v);
        } else if (v instanceof Tensor) {
            b.put(name, (Tensor) v);
        }
        // null: the field is missing
    }

    private static Prediction one(Model m, Features f) throws Exception {
        return m.predict(List.of(f)).get(0);
    }

    @Test
    void unknownLevelsAreMissingByDefaultAsInH2oPredict() throws Exception {
        try (Model m = gbm(Map.of())) {
            assertEquals(one(m, row(null, "6", 0.5)), one(m, row("purple", "6", 0.5)));
            assertEquals(one(m, row("red", null, 0.5)), one(m, row("red", 5.0, 0.5)));
            assertNotEquals(one(m, row(null, "6", 0.5)), one(m, row("red", "6", 0.5)), "the level matters");
        }
    }

    @Test
    void unknownLevelsRejectTheRecordWhenConfigured() throws Exception {
        try (Model m = gbm(Map.of("unknown.categorical", "reject"))) {
            List<Features> batch = List.of(row("red", "6", 0.5), row("blue", "8", 1.0), row("purple", "6", 0.5));
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> m.predict(batch));
            assertEquals(2, e.recordIndex());
            assertEquals("colour", e.field());
            assertTrue(e.getMessage().contains("'purple'") && e.getMessage().contains("blue, green, red")
                    && e.getMessage().contains("gbm_binomial"), e.getMessage());
            // The rest of the batch scores, as the engine re-scores it without the bad record.
            assertEquals(2, m.predict(batch.subList(0, 2)).size());
        }
    }

    @Test
    void unparsableNumbersRejectByDefaultAndAreMissingWhenConfigured() throws Exception {
        try (Model strict = gbm(Map.of()); Model lenient = gbm(Map.of("unparsable.number", "missing"))) {
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> strict.predict(List.of(row("red", "6", 0.5), row("red", "6", "n/a"))));
            assertEquals(1, e.recordIndex());
            assertEquals("x1", e.field());
            assertTrue(e.getMessage().contains("'n/a' is not a number"), e.getMessage());
            assertEquals(one(lenient, row("red", "6", null)), one(lenient, row("red", "6", "n/a")));
        }
    }

    @Test
    void textNumbersNumericLevelsBooleansAndEmptyStrings() throws Exception {
        try (Model m = gbm(Map.of())) {
            Prediction base = one(m, row("red", "6", 0.5));
            assertEquals(base, one(m, row("red", "6", " 0.5 ")), "a number sent as text");
            assertEquals(base, one(m, row("red", 6.0, 0.5)), "a JSON number names the level '6'");
            assertEquals(base, one(m, row("red", Tensor.scalar(6L), 0.5)), "an integer too");
            assertEquals(base, one(m, row("red", "6", Tensor.scalar(0.5f))), "a float into a numeric column");
            assertEquals(one(m, row(null, "6", null)), one(m, row("", "6", "")), "an empty string is missing");
            assertEquals(one(m, row("red", null, 0.5)), one(m, row("red", Double.NaN, 0.5)), "NaN is missing");
            assertEquals(one(m, row("red", "6", 1.0)), one(m, row("red", "6", Tensor.scalar(true))), "true is 1");
        }
    }

    @Test
    void wrongShapesAndTypesRejectTheRecordNamingTheField() throws Exception {
        try (Model m = gbm(Map.of())) {
            InvalidInputException vector = assertThrows(InvalidInputException.class,
                    () -> m.predict(List.of(row("red", "6", Tensor.ofDoubles(new double[] {1, 2}, 2)))));
            assertEquals("x1", vector.field());
            assertEquals(0, vector.recordIndex());
            assertTrue(vector.getMessage().contains("single value"), vector.getMessage());
            Tensor bytes = Tensor.ofBytes(new byte[][] {"red".getBytes(StandardCharsets.UTF_8)}, new long[0]);
            InvalidInputException b = assertThrows(InvalidInputException.class, () -> m.predict(List.of(row(bytes, "6", 0.5))));
            assertEquals("colour", b.field());
        }
    }

    @Test
    void aBooleanIsALevelLikeAnyOther() throws Exception {
        // No fixture has a boolean column; an unknown 'true' must still be treated like any unknown level.
        try (Model m = gbm(Map.of())) {
            assertEquals(one(m, row(null, "6", 0.5)), one(m, row(Tensor.scalar(true), "6", 0.5)));
        }
    }

    @Test
    void fieldsTheModelDoesNotKnowAreIgnored() throws Exception {
        try (Model m = gbm(Map.of())) {
            Features extra = Features.builder().put("x2", 0.25).put("colour", "red").put("cyl", "6").put("x1", 0.5)
                    .put("label", "yes").put("other", 3.0).build();
            assertEquals(one(m, row("red", "6", 0.5)), one(m, extra));
        }
    }

    @Test
    void aClosedModelFailsAsAModel() throws Exception {
        Model m = gbm(Map.of());
        m.close();
        m.close(); // idempotent
        assertThrows(ModelFailureException.class, () -> m.predict(List.of(row("red", "6", 0.5))));
    }

    @Test
    void aThreadSafeMojoGivesTheSameAnswersFromManyThreads() throws Exception {
        List<Features> batch = MojoFixtures.benchmarkBatch(500, 3);
        try (Model m = LOADER.load(MojoFixtures.benchmarkGbm(), Map.of())) {
            assertTrue(m.info().threadSafe());
            List<Prediction> sequential = m.predict(batch);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<Prediction>>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    futures.add(pool.submit(() -> m.predict(batch)));
                }
                for (Future<List<Prediction>> f : futures) {
                    assertEquals(sequential, f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
