package io.inferstream.xgboost;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import io.inferstream.xgboost.fixtures.XgboostFixtures;
import io.inferstream.xgboost.fixtures.XgboostFixtures.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Missing values, the vector layout, and per-record rejection with the field and the reason. */
class XgboostInputsTest {
    @Test
    void aVectorInputScoresAsTheNamedFieldsNaNBeingMissing() throws Exception {
        List<Row> rows = XgboostFixtures.rows("regression");
        List<Features> batch = new ArrayList<>();
        for (Row r : rows) {
            float[] v = new float[r.values.length];
            for (int j = 0; j < v.length; j++) {
                v[j] = (float) r.values[j];
            }
            batch.add(Features.builder().put("x", v).build());
        }
        try (Model model = new XgboostLoader().load(XgboostFixtures.source("regression.json"),
                Map.of(XgboostOptions.INPUT_VECTOR, "x"))) {
            assertEquals(List.of(FieldSpec.tensor("x", DataType.FLOAT, 5)), model.info().inputs());
            List<Prediction> got = model.predict(batch);
            int withMissing = 0;
            for (int i = 0; i < rows.size(); i++) {
                double want = rows.get(i).number("y");
                assertEquals(want, got.get(i).output("prediction").getDouble(0), 1e-6 * Math.max(1, Math.abs(want)));
                withMissing += Double.isNaN(rows.get(i).values[0] + rows.get(i).values[1] + rows.get(i).values[2]
                        + rows.get(i).values[3] + rows.get(i).values[4]) ? 1 : 0;
            }
            assertTrue(withMissing > 20, "the fixture has rows with missing values: " + withMissing);
        }
    }

    @Test
    void eachBadRecordIsRejectedNamingItsFieldAndIndex() throws Exception {
        try (Model model = new XgboostLoader().load(XgboostFixtures.source("binary.json"), Map.of())) {
            assertRejected(model, Features.builder().put("age", 1.0).put("income", "lots").build(), "income",
                    "expected a number, got string 'lots'");
            assertRejected(model, Features.builder().put("age", new float[] {1, 2}).build(), "age",
                    "expected one number, got 2 values");
            assertRejected(model, Features.builder().put("age", Double.POSITIVE_INFINITY).build(), "age",
                    "not finite");
            assertRejected(model, Features.builder().put("agee", 1.0).build(), null,
                    "none of the model's 6 features");
        }
        try (Model model = new XgboostLoader().load(XgboostFixtures.source("binary.json"),
                Map.of(XgboostOptions.INPUT_VECTOR, "features"))) {
            assertRejected(model, Features.builder().put("features", new float[] {1, 2, 3}).build(), "features",
                    "expected 6 values");
            assertRejected(model, Features.builder().put("age", 1.0).build(), "features", "missing");
            assertRejected(model, Features.of("features", Tensor.ofStrings(new String[] {"a", "b", "c", "d", "e", "f"})),
                    "features", "expected a number");
        }
    }

    @Test
    void aClosedModelFailsAsAModelNotAsARecord() throws Exception {
        Model model = new XgboostLoader().load(XgboostFixtures.source("binary.json"), Map.of());
        model.close();
        model.close(); // idempotent
        assertThrows(ModelFailureException.class, () -> model.predict(List.of(Features.builder().put("age", 1).build())));
    }

    private static void assertRejected(Model model, Features bad, String field, String reason) throws Exception {
        Features good = Features.builder().put("age", 0.5).put("features", new float[6]).build();
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> model.predict(List.of(good, bad)));
        assertEquals(1, e.recordIndex(), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
