package io.inferstream.lightgbm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.lightgbm.fixtures.LightGbmFixtures;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Detection, what {@code inspect} shows, options, damaged files and per-record rejections. */
class LightGbmLoaderTest {
    @TempDir
    Path dir;

    @Test
    void theRegistryRecognisesATextModelWhateverItsName() throws Exception {
        Path p = Files.write(dir.resolve("churn.model"), LightGbmFixtures.bytes("binary"));
        assertTrue(new LightGbmLoader().accepts(ModelSource.of(p)));
        assertFalse(new LightGbmLoader().accepts(ModelSource.of("trees\n".getBytes(StandardCharsets.UTF_8), "t.txt")));
        try (Model model = ModelRegistry.discover().load(ModelSource.of(p), null, Map.of())) {
            assertEquals(LightGbmLoader.FORMAT, model.info().format());
            assertEquals("churn", model.info().name());
        }
    }

    @Test
    void inspectShowsFeatureNamesCategoricalsAndTheObjective() throws Exception {
        try (Model model = new LightGbmLoader().load(LightGbmFixtures.source("binary"), Map.of())) {
            assertEquals(List.of(FieldSpec.scalar("age", DataType.DOUBLE), FieldSpec.scalar("income", DataType.DOUBLE),
                    FieldSpec.scalar("segment", DataType.INT64), FieldSpec.scalar("tenure", DataType.DOUBLE),
                    FieldSpec.scalar("score", DataType.DOUBLE), FieldSpec.scalar("ratio", DataType.DOUBLE)),
                    model.info().inputs());
            assertEquals(List.of(FieldSpec.categorical("label", List.of("0", "1")),
                    FieldSpec.tensor("probabilities", DataType.DOUBLE, 2)), model.info().outputs());
            Map<String, String> p = model.info().properties();
            assertEquals("binary sigmoid:1", p.get("objective"));
            assertEquals("segment", p.get("categorical.features"));
            assertEquals("40", p.get("trees"));
            assertEquals("v4", p.get("file.version"));
            assertTrue(model.info().threadSafe());
        }
        try (LightGbmModel model = (LightGbmModel) new LightGbmLoader().load(LightGbmFixtures.source("multiclass"),
                Map.of(LightGbmOptions.CLASS_LABELS, "low,mid,high"))) {
            assertEquals(List.of("low", "mid", "high"), model.classLabels());
            assertEquals("60", model.info().properties().get("trees"));
        }
    }

    @ParameterizedTest(name = "cut to {0} bytes")
    @CsvSource({"20", "3000", "40000"})
    void aTruncatedModelIsRefusedWithAClearMessage(int length) {
        byte[] cut = Arrays.copyOf(LightGbmFixtures.bytes("binary"), length);
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> new LightGbmLoader().load(ModelSource.of(cut, "binary.txt"), Map.of()));
        assertTrue(e.getMessage().contains("cannot load LightGBM model binary"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("lacks"), e.getMessage());
    }

    @Test
    void aDamagedTreeIsRefusedBeforeLightGbmParsesIt() {
        String text = new String(LightGbmFixtures.bytes("regression"), StandardCharsets.UTF_8);
        assertRefused(text.replaceFirst("left_child=", "left_child=x"), "tree 0: left_child holds 'x");
        assertRefused(text.replaceFirst("left_child=\\d+ ", "left_child=99 "), "points outside");
        assertRefused(text.replaceFirst("split_feature=", "split_feature=7 "), "split_feature has");
        // damage only LightGBM's parser sees (a tree without num_cat): refused with LightGBM's reason, JVM intact
        assertRefused(text.replaceFirst("num_cat=0\n", ""), "damaged or not saved by LightGBM");
        ModelLoadException labels = assertThrows(ModelLoadException.class, () -> new LightGbmLoader()
                .load(LightGbmFixtures.source("multiclass"), Map.of(LightGbmOptions.CLASS_LABELS, "a,b")));
        assertTrue(labels.getMessage().contains("3 classes"), labels.getMessage());
    }

    private static void assertRefused(String text, String reason) {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> new LightGbmLoader().load(ModelSource.of(text.getBytes(StandardCharsets.UTF_8), "r.txt"), Map.of()));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void eachBadRecordIsRejectedNamingItsField() throws Exception {
        try (Model model = new LightGbmLoader().load(LightGbmFixtures.source("binary"), Map.of())) {
            assertRejected(model, Features.builder().put("age", "forty").build(), "age", "expected a number");
            assertRejected(model, Features.builder().put("segment", 1.5).build(), "segment", "integer category code");
            assertRejected(model, Features.builder().put("age", Double.NEGATIVE_INFINITY).build(), "age", "not finite");
            assertRejected(model, Features.builder().put("customer_age", 40).build(), null, "none of the model's 6");
        }
        try (Model model = new LightGbmLoader().load(LightGbmFixtures.source("regression"),
                Map.of(LightGbmOptions.INPUT_VECTOR, "x"))) {
            assertRejected(model, Features.builder().put("x", new float[] {1, 2}).build(), "x", "expected 5 values");
            // the vector form scores like the named fields
            LightGbmFixtures.Data data = LightGbmFixtures.data("regression", 20, 5);
            Model named = new LightGbmLoader().load(LightGbmFixtures.source("regression"), Map.of());
            for (int i = 0; i < data.x.length; i++) {
                float[] v = new float[5];
                for (int j = 0; j < 5; j++) {
                    v[j] = (float) data.x[i][j];
                }
                double viaVector = model.predict(List.of(Features.builder().put("x", v).build())).get(0)
                        .output("prediction").getDouble(0);
                double viaFields = named.predict(List.of(data.features(i))).get(0).output("prediction").getDouble(0);
                assertEquals(viaFields, viaVector, 1e-12, "row " + i);
            }
            named.close();
        }
    }

    @Test
    void aClosedModelFailsAsAModel() throws Exception {
        Model model = new LightGbmLoader().load(LightGbmFixtures.source("binary"), Map.of());
        model.close();
        model.close();
        assertThrows(ModelFailureException.class, () -> model.predict(List.of(Features.builder().put("age", 1).build())));
    }

    private static void assertRejected(Model model, Features bad, String field, String reason) {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> model.predict(List.of(Features.builder().put("age", 0.5).put("x", new float[5]).build(), bad)));
        assertEquals(1, e.recordIndex(), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
