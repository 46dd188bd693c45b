package io.inferstream.xgboost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.xgboost.fixtures.XgboostFixtures;
import io.inferstream.xgboost.fixtures.XgboostFixtures.Row;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Detection, what {@code inspect} shows, options, and refusal of damaged files. */
class XgboostLoaderTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"binary.json, json", "binary.ubj, ubjson", "binary.bin, binary (legacy)", "reference.ubj, ubjson"})
    void theRegistryRecognisesEachFileFormatByItsBytes(String file, String format) throws Exception {
        // Renamed to .model so that only the bytes, not the extension, can tell.
        Path p = Files.write(dir.resolve("m.model"), XgboostFixtures.bytes(file));
        assertTrue(new XgboostLoader().accepts(ModelSource.of(p)));
        try (Model model = ModelRegistry.discover().load(ModelSource.of(p), null, Map.of())) {
            assertEquals(XgboostLoader.FORMAT, model.info().format());
            assertEquals(format, model.info().properties().get("file.format"));
        }
    }

    @Test
    void otherFilesAreNotTakenForXgboost() {
        XgboostLoader loader = new XgboostLoader();
        assertFalse(loader.accepts(ModelSource.of("{\"name\": \"config\"}".getBytes(StandardCharsets.UTF_8), "c.json")));
        assertFalse(loader.accepts(ModelSource.of(new byte[] {'P', 'K', 3, 4, 0, 0}, "m.zip")));
        assertFalse(loader.accepts(ModelSource.of(new byte[0], "empty.json")));
        assertFalse(loader.accepts(ModelSource.of(dir)));
    }

    @Test
    void inspectShowsTheModelsOwnFeatureNamesObjectiveAndBestIteration() throws Exception {
        try (Model model = new XgboostLoader().load(XgboostFixtures.source("binary.json"), Map.of())) {
            ModelInfo info = model.info();
            assertEquals(List.of("age", "income", "balance", "tenure", "score", "ratio"), names(info.inputs()));
            info.inputs().forEach(f -> assertEquals(DataType.FLOAT, f.type()));
            assertEquals(List.of(FieldSpec.categorical("label", List.of("0", "1")),
                    FieldSpec.tensor("probabilities", DataType.DOUBLE, 2)), info.outputs());
            Map<String, String> p = info.properties();
            assertEquals("binary:logistic", p.get("objective"));
            assertEquals("gbtree", p.get("booster"));
            assertEquals("8", p.get("best_iteration"));
            assertEquals("14", p.get("rounds"));
            assertEquals("9 (best_iteration 8 + 1)", p.get("rounds.scored"));
            assertEquals("0.5", p.get("base_score"));
            assertEquals("XGBoost 1.7.4", p.get("saved.by"));
            assertEquals("from the model file", p.get("feature.names"));
            assertTrue(info.threadSafe());
            assertEquals("binary", info.name());
            assertEquals("1", info.version());
        }
    }

    @Test
    void aFileWithoutNamesTakesXgboostsDefaultNamesOrConfiguredOnes() throws Exception {
        List<Row> rows = XgboostFixtures.rows("binary");
        try (Model model = new XgboostLoader().load(XgboostFixtures.source("binary.bin"), Map.of())) {
            assertEquals(List.of("f0", "f1", "f2", "f3", "f4", "f5"), names(model.info().inputs()));
            assertTrue(model.info().properties().get("feature.names").startsWith("default"));
            // the same row under XGBoost's default names scores as under the original ones
            Features.Builder b = Features.builder();
            for (int j = 0; j < rows.get(0).values.length; j++) {
                if (!Double.isNaN(rows.get(0).values[j])) {
                    b.put("f" + j, rows.get(0).values[j]);
                }
            }
            double p = model.predict(List.of(b.build())).get(0).probabilities().get("1");
            assertEquals(rows.get(0).number("p"), p, 1e-6);
        }
        ModelLoadException wrongCount = assertThrows(ModelLoadException.class, () -> new XgboostLoader()
                .load(XgboostFixtures.source("binary.bin"), Map.of(XgboostOptions.FEATURE_NAMES, "a,b")));
        assertTrue(wrongCount.getMessage().contains("lists 2 names"), wrongCount.getMessage());
        ModelLoadException contradicting = assertThrows(ModelLoadException.class, () -> new XgboostLoader()
                .load(XgboostFixtures.source("binary.json"), Map.of(XgboostOptions.FEATURE_NAMES, "a,b,c,d,e,f")));
        assertTrue(contradicting.getMessage().contains("differs from the names"), contradicting.getMessage());
    }

    @Test
    void classLabelsComeFromTheOptionAndMustMatchTheClassCount() throws Exception {
        try (XgboostModel model = (XgboostModel) new XgboostLoader().load(XgboostFixtures.source("multi_softprob.json"),
                Map.of(XgboostOptions.CLASS_LABELS, "a, b, c"))) {
            assertEquals(List.of("a", "b", "c"), model.classLabels());
            assertEquals("3", model.info().properties().get("num_class"));
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> new XgboostLoader()
                .load(XgboostFixtures.source("multi_softprob.json"), Map.of(XgboostOptions.CLASS_LABELS, "a,b")));
        assertTrue(e.getMessage().contains("lists 2 labels") && e.getMessage().contains("3 classes"), e.getMessage());
    }

    @Test
    void regressionAndRankingModelsDeclareTheirOneNumber() throws Exception {
        try (Model model = new XgboostLoader().load(XgboostFixtures.source("regression.json"), Map.of())) {
            assertEquals(List.of(FieldSpec.scalar("prediction", DataType.DOUBLE)), model.info().outputs());
            assertEquals("3.5", model.info().properties().get("base_score"));
        }
        try (Model model = new XgboostLoader().load(XgboostFixtures.source("ranking.json"), Map.of())) {
            assertEquals(List.of(FieldSpec.scalar("score", DataType.DOUBLE)), model.info().outputs());
        }
    }

    @ParameterizedTest(name = "{0} cut to {1} bytes")
    @CsvSource({"binary.json, 5000", "binary.ubj, 5000", "binary.bin, 5000", "binary.bin, 100", "binary.json, 12"})
    void aTruncatedFileIsRefusedWithAClearMessage(String file, int length) {
        byte[] cut = Arrays.copyOf(XgboostFixtures.bytes(file), length);
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> new XgboostLoader().load(ModelSource.of(cut, file), Map.of()));
        assertTrue(e.getMessage().contains("cannot load XGBoost model") && e.getMessage().contains(length + " bytes"),
                e.getMessage());
    }

    @Test
    void aFileThatIsNoXgboostModelIsRefused() {
        byte[] text = "not a model at all".getBytes(StandardCharsets.UTF_8);
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> new XgboostLoader().load(ModelSource.of(text, "m.json"), Map.of()));
        assertTrue(e.getMessage().contains("not a file XGBoost writes"), e.getMessage());
        byte[] damaged = XgboostFixtures.bytes("binary.json").clone();
        damaged[damaged.length / 2] = '#';
        ModelLoadException d = assertThrows(ModelLoadException.class,
                () -> new XgboostLoader().load(ModelSource.of(damaged, "binary.json"), Map.of()));
        assertTrue(d.getMessage().contains("damaged, truncated or not saved by XGBoost"), d.getMessage());
    }

    @Test
    void badOptionsAreRefused() {
        ModelLoadException threads = assertThrows(ModelLoadException.class, () -> new XgboostLoader()
                .load(XgboostFixtures.source("binary.json"), Map.of(XgboostOptions.THREADS, "0")));
        assertTrue(threads.getMessage().contains(XgboostOptions.THREADS), threads.getMessage());
        assertThrows(ModelLoadException.class, () -> new XgboostLoader()
                .load(XgboostFixtures.source("binary.json"), Map.of(XgboostOptions.BEST_ITERATION, "yes")));
    }

    private static List<String> names(List<FieldSpec> specs) {
        return specs.stream().map(FieldSpec::name).collect(Collectors.toList());
    }
}
