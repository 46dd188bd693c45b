package io.inferstream.pmml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.Features;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.sandbox.models.ReferenceClassifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sniffing, discovery, options, and every way a document can fail to load, each with a real JPMML parse. */
class PmmlModelLoaderTest {
    private final PmmlModelLoader loader = new PmmlModelLoader();

    @TempDir
    Path dir;

    private static ModelSource bytes(String text, String name) {
        return ModelSource.of(text.getBytes(StandardCharsets.UTF_8), name);
    }

    private static Features referenceRow(double[] x) {
        Features.Builder row = Features.builder();
        for (int j = 0; j < x.length; j++) {
            row.put(ReferenceClassifier.FEATURES.get(j), x[j]);
        }
        return row.build();
    }

    /** The reference classifier with a normalisation method that does not exist. */
    private static String misspeltNormalisation() {
        return PmmlFixtures.referenceClassifier().replace("normalizationMethod=\"softmax\"", "normalizationMethod=\"sparsemax\"");
    }

    private ModelLoadException loadFails(String text, String name) {
        return assertThrows(ModelLoadException.class, () -> loader.load(bytes(text, name), Map.of()));
    }

    @Test
    void acceptsAPmmlNameOrAPmmlRootTagOnly() {
        String pmml = PmmlFixtures.referenceClassifier();
        assertTrue(loader.accepts(bytes("anything", "model.PMML")), "by name");
        assertTrue(loader.accepts(bytes(pmml, "model.xml")));
        assertTrue(loader.accepts(bytes(pmml, "model")), "by content, whatever the name");
        assertTrue(loader.accepts(bytes("<?xml version=\"1.0\"?>\n<!-- exported -->\n<pmml:PMML xmlns:pmml=\"x\" version=\"4.4\">",
                "m.xml")), "a prefixed root after a comment");
        assertTrue(loader.accepts(ModelSource.of(("\ufeff" + pmml).getBytes(StandardCharsets.UTF_16), "utf16.xml")),
                "UTF-16 with a byte-order mark");
        assertFalse(loader.accepts(bytes("<?xml version=\"1.0\"?><project><PMMLish/></project>", "pom.xml")));
        assertFalse(loader.accepts(bytes("{\"PMML\": 1}", "model.json")));
        assertFalse(loader.accepts(ModelSource.of(new byte[] {0x08, 0x07, 0x12, 0x04}, "model.onnx")));
        assertFalse(loader.accepts(ModelSource.of(dir)), "a directory");
    }

    @Test
    void theRegistryFindsTheLoaderAndDetectsDocumentsByContent() throws Exception {
        ModelRegistry registry = ModelRegistry.discover();
        assertTrue(registry.formats().contains("pmml"), registry.formats().toString());
        assertInstanceOf(PmmlModelLoader.class, registry.loader("pmml"));
        Path file = PmmlFixtures.write(dir, "scorer.xml", PmmlFixtures.referenceClassifier());
        assertInstanceOf(PmmlModelLoader.class, registry.detect(ModelSource.of(file)));
        try (Model model = registry.load(ModelSource.of(file), null, Map.of())) {
            assertEquals("scorer", model.info().name(), "the file name without its extension");
            assertEquals("pmml", model.info().format());
        }
    }

    @Test
    void nameAndVersionOptionsOverrideTheFileNameAndHeaderVersion() throws Exception {
        Path file = PmmlFixtures.write(dir, "forest.pmml", PmmlFixtures.randomForest());
        try (Model model = loader.load(ModelSource.of(file), Map.of("name", "prices", "version", "12"))) {
            assertEquals("prices", model.info().name());
            assertEquals("12", model.info().version());
        }
        String noVersion = PmmlFixtures.randomForest().replace(" modelVersion=\"3\"", "");
        try (Model model = loader.load(bytes(noVersion, "forest.pmml"), Map.of())) {
            assertEquals("1", model.info().version(), "no Header@modelVersion, no option");
        }
    }

    @Test
    void theModelOptionSelectsAModelByNameAndAnUnknownNameIsALoadError() throws Exception {
        ModelSource forest = bytes(PmmlFixtures.randomForest(), "forest.pmml");
        try (Model model = loader.load(forest, Map.of(PmmlModelLoader.MODEL, "forest"))) {
            assertEquals("forest", model.info().properties().get("model.name"));
        }
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader.load(forest, Map.of(PmmlModelLoader.MODEL, "trees")));
        assertEquals("PMML model forest: the document has no model named 'trees' (option pmml.model)", e.getMessage());
    }

    @Test
    void olderPmmlNamespacesAreImported() throws Exception {
        String pmml42 = PmmlFixtures.referenceClassifier().replace("PMML-4_4", "PMML-4_2").replace("version=\"4.4\"", "version=\"4.2\"");
        double[] x = {0.5, -1.25, 2.0, 0.75};
        try (Model model = loader.load(bytes(pmml42, "old.pmml"), Map.of())) {
            Map<String, Double> p = model.predict(List.of(referenceRow(x))).get(0).probabilities();
            double[] want = ReferenceClassifier.probabilities(x);
            for (int c = 0; c < want.length; c++) {
                assertEquals(want[c], p.get(ReferenceClassifier.LABELS.get(c)), 1e-12);
            }
        }
    }

    @Test
    void textThatIsNotXmlIsALoadErrorNamingTheModel() {
        ModelLoadException e = loadFails("hello, world", "broken.pmml");
        assertTrue(e.getMessage().startsWith("PMML model broken: "), e.getMessage());
        assertTrue(e.getMessage().contains("not readable XML"), e.getMessage());
    }

    @Test
    void xmlThatIsNotPmmlIsALoadError() {
        ModelLoadException e = loadFails("<?xml version=\"1.0\"?><project><name>x</name></project>", "pom.xml");
        assertTrue(e.getMessage().startsWith("PMML model pom: "), e.getMessage());
        assertTrue(e.getMessage().contains("'project'"), e.getMessage());
        e = assertThrows(ModelLoadException.class, () -> loader.load(
                bytes("<?xml version=\"1.0\"?><project/>", "pom.xml"), Map.of(PmmlModelLoader.VALIDATE, "false")));
        assertTrue(e.getMessage().contains("project"), "without the schema too: " + e.getMessage());
    }

    @Test
    void anEmptyFileAndADirectoryAreLoadErrors() throws Exception {
        Path empty = dir.resolve("empty.pmml");
        Files.write(empty, new byte[0]);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> loader.load(ModelSource.of(empty), Map.of()));
        assertTrue(e.getMessage().startsWith("PMML model empty: "), e.getMessage());
        Path folder = Files.createDirectory(dir.resolve("model.pmml"));
        e = assertThrows(ModelLoadException.class, () -> loader.load(ModelSource.of(folder), Map.of()));
        assertTrue(e.getMessage().contains("directory"), e.getMessage());
    }

    @Test
    void aDocumentWithoutAModelIsALoadError() {
        String pmml = PmmlFixtures.randomForest();
        String noModel = pmml.substring(0, pmml.indexOf("  <MiningModel")) + "</PMML>\n";
        ModelLoadException e = loadFails(noModel, "nomodel.pmml");
        assertTrue(e.getMessage().startsWith("PMML model nomodel: the document holds no model"), e.getMessage());
    }

    @Test
    void aFieldMissingFromTheDataDictionaryIsALoadErrorNamingIt() {
        String pmml = PmmlFixtures.logisticRegression()
                .replace("<NumericPredictor name=\"income\"", "<NumericPredictor name=\"salary\"")
                .replace("<MiningField name=\"income\" missingValueReplacement=\"40\"/>",
                        "<MiningField name=\"salary\" missingValueReplacement=\"40\"/>");
        ModelLoadException e = loadFails(pmml, "approval.pmml");
        assertTrue(e.getMessage().contains("salary"), e.getMessage());
    }

    @Test
    void aFieldUsedOnlyByAPredictorButNeverDefinedIsALoadError() {
        String pmml = PmmlFixtures.referenceClassifier().replace("<NumericPredictor name=\"f3\"", "<NumericPredictor name=\"f9\"");
        ModelLoadException e = loadFails(pmml, "reference.pmml");
        assertTrue(e.getMessage().startsWith("PMML model reference: "), e.getMessage());
        assertTrue(e.getMessage().contains("f9"), e.getMessage());
    }

    @Test
    void aMisspeltAttributeValueBreaksTheSchemaAndIsALoadErrorSayingWhere() {
        String pmml = misspeltNormalisation();
        ModelLoadException e = loadFails(pmml, "reference.pmml");
        assertTrue(e.getMessage().contains("PMML 4.4 schema"), e.getMessage());
        assertTrue(e.getMessage().contains("'sparsemax'"), e.getMessage());
        assertTrue(e.getMessage().contains("line 17"), e.getMessage());
    }

    @Test
    void withoutSchemaValidationJaxbSilentlyDropsAMisspeltValueWhichIsWhyValidationIsOnByDefault() throws Exception {
        String pmml = misspeltNormalisation();
        double[] x = {1, 1, 1, 1};
        try (Model model = loader.load(bytes(pmml, "reference.pmml"), Map.of(PmmlModelLoader.VALIDATE, "false"))) {
            // No normalisation at all: JPMML returns the raw logit of each class as its "probability".
            double[] z = ReferenceClassifier.logits(x);
            assertEquals(z[0], model.predict(List.of(referenceRow(x))).get(0).probabilities().get("low"), 1e-12);
        }
    }

    @Test
    void aBadOptionValueIsALoadErrorNamingTheModelAndOption() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> loader.load(
                bytes(PmmlFixtures.randomForest(), "forest.pmml"), Map.of(PmmlModelLoader.VALIDATE, "maybe")));
        assertEquals("PMML model forest: option pmml.validate must be strict, warn (the default) or none "
                + "(also: true = strict, false = none), not 'maybe'", e.getMessage());
    }

    /** The reference classifier with its OutputFields' dataType left out, as PMML before 4.4 allowed. */
    private static String outputFieldsWithoutDataType() {
        return PmmlFixtures.referenceClassifier().replace(" optype=\"continuous\" dataType=\"double\" feature=", " feature=");
    }

    private static void assertScoresAsTheReference(Model model) throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(50, 14);
        for (double[] x : inputs) {
            var p = model.predict(List.of(referenceRow(x))).get(0);
            double[] want = ReferenceClassifier.probabilities(x);
            for (int c = 0; c < want.length; c++) {
                assertEquals(want[c], p.probabilities().get(ReferenceClassifier.LABELS.get(c)), 1e-12);
                assertEquals(want[c], p.output("p_" + ReferenceClassifier.LABELS.get(c)).getDouble(0), 1e-12);
            }
        }
    }

    @Test
    void theValidateOptionTakesStrictWarnOrNoneAndTheOldBooleansMeanStrictAndNone() throws Exception {
        ModelSource doc = bytes(outputFieldsWithoutDataType(), "reference.pmml");
        for (String strict : List.of("strict", "STRICT", "true")) {
            ModelLoadException e = assertThrows(ModelLoadException.class,
                    () -> loader.load(doc, Map.of(PmmlModelLoader.VALIDATE, strict)), strict);
            assertTrue(e.getMessage().contains("line 26: cvc-complex-type.4: Attribute 'dataType' must appear on element "
                    + "'OutputField'"), e.getMessage());
        }
        for (String lenient : List.of("warn", "none", "false", " None ")) {
            try (Model model = loader.load(doc, Map.of(PmmlModelLoader.VALIDATE, lenient))) {
                assertScoresAsTheReference(model);
                boolean warned = lenient.equals("warn");
                assertEquals(warned ? List.of("Attribute 'dataType' must appear on element 'OutputField' (lines 26, 27, 28)")
                        : List.of(), ((PmmlModel) model).warnings(), lenient);
                assertEquals(warned, model.info().properties().containsKey(PmmlModelLoader.WARNINGS_PROPERTY), lenient);
            }
        }
    }

    @Test
    void theFindingsAreLoggedAtWarnOncePerLoadAndNeverPerRecord() throws Exception {
        // slf4j-simple (the test binding) writes to whatever System.err is at the time.
        java.io.PrintStream original = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            for (int load = 0; load < 2; load++) {
                try (Model model = loader.load(bytes(outputFieldsWithoutDataType(), "reference.pmml"), Map.of())) {
                    assertScoresAsTheReference(model);
                }
            }
            loader.load(bytes(PmmlFixtures.referenceClassifier(), "clean.pmml"), Map.of()).close();
        } finally {
            System.setErr(original);
        }
        List<String> warnLines = captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("WARN")).toList();
        assertEquals(2, warnLines.size(), warnLines.toString());
        for (String line : warnLines) {
            assertTrue(line.endsWith("PMML model reference: loaded despite 3 findings of the PMML 4.4 schema that JPMML "
                    + "reads past (pmml.validate=warn; strict refuses the document): Attribute 'dataType' must appear on "
                    + "element 'OutputField' (lines 26, 27, 28)"), line);
        }
    }

    @Test
    void byDefaultExtensionsVendorElementsAndUnknownAttributesAreWarningsAndTheModelScoresAsWritten() throws Exception {
        String pmml = PmmlFixtures.referenceClassifier()
                .replace("  </DataDictionary>", "    <Extension name=\"origin\" value=\"training set 7\"/>\n"
                        + "    <sas:Format xmlns:sas=\"http://www.sas.com/pmml\" field=\"f0\"/>\n  </DataDictionary>")
                .replace("<RegressionModel ", "<RegressionModel x-vendorScore=\"yes\" ");
        try (Model model = loader.load(bytes(pmml, "reference.pmml"), Map.of())) {
            assertScoresAsTheReference(model);
            List<String> warnings = ((PmmlModel) model).warnings();
            assertEquals(3, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("Invalid content was found starting with element "
                    + "'{\"http://www.dmg.org/PMML-4_4\":Extension}'"), warnings.toString());
            assertTrue(warnings.get(0).endsWith("(line 16)"), warnings.toString());
            assertTrue(warnings.get(1).startsWith("unexpected element (uri:\"http://www.sas.com/pmml\", local:\"Format\")"),
                    warnings.toString());
            assertEquals("Attribute 'x-vendorScore' is not allowed to appear in element 'RegressionModel' (line 19)",
                    warnings.get(2));
        }
    }

    @Test
    void byDefaultFindingsThatWouldDropPartOfTheDocumentStillFailTheLoadSayingWhere() {
        // A misspelt element: JAXB would skip it, and the model would score without that coefficient.
        String element = PmmlFixtures.referenceClassifier().replace("<NumericPredictor name=\"f3\"", "<NumericPredictr name=\"f3\"");
        for (String mode : List.of("warn", "none")) {
            ModelLoadException e = assertThrows(ModelLoadException.class,
                    () -> loader.load(bytes(element, "reference.pmml"), Map.of(PmmlModelLoader.VALIDATE, mode)));
            assertTrue(e.getMessage().contains("line 34: ") && e.getMessage().contains("local:\"NumericPredictr\"")
                    && e.getMessage().contains("JPMML would skip this PMML element with all it contains"), mode + ": " + e.getMessage());
        }
        // A number JAXB cannot read: the intercept would be dropped.
        String number = PmmlFixtures.referenceClassifier().replace("intercept=\"0.1\"", "intercept=\"NA\"");
        ModelLoadException e = loadFails(number, "reference.pmml");
        assertTrue(e.getMessage().contains("line 30: cvc-attribute.3: The value 'NA' of attribute 'intercept' on element "
                + "'RegressionTable'") && e.getMessage().contains("NumberFormatException"), e.getMessage());
    }

    @Test
    void aDoctypeIsRefusedSoADocumentCannotReadOtherFiles() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "s3cr3t");
        String pmml = PmmlFixtures.referenceClassifier().replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE PMML [<!ENTITY x SYSTEM \"" + secret.toUri() + "\">]>\n")
                .replace("description=\"ReferenceClassifier", "description=\"&x; ReferenceClassifier");
        ModelLoadException e = loadFails(pmml, "xxe.pmml");
        assertTrue(e.getMessage().contains("DOCTYPE"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cr3t"), e.getMessage());
    }

    /** The forest with a ModelVerification record expecting {@code y} for x1 = x2 = 0. */
    private static String verifiedForest(String y) {
        String verification = "    <ModelVerification recordCount=\"1\" fieldCount=\"3\">\n"
                + "      <VerificationFields>\n"
                + "        <VerificationField field=\"x1\"/><VerificationField field=\"x2\"/>\n"
                + "        <VerificationField field=\"y\" precision=\"1E-9\"/>\n"
                + "      </VerificationFields>\n"
                + "      <InlineTable><row><x1>0</x1><x2>0</x2><y>" + y + "</y></row></InlineTable>\n"
                + "    </ModelVerification>\n";
        return PmmlFixtures.randomForest().replace("  </MiningModel>", verification + "  </MiningModel>");
    }

    @Test
    void theDocumentsOwnVerificationRecordsAreCheckedAtLoad() throws Exception {
        // Plain Java: x1 = 0 >= 0.5 is false → 1.0; x2 = 0 < 2 → 10.0; x1 >= -1 and x2 < 1 → 2.0; mean 13 / 3.
        try (Model model = loader.load(bytes(verifiedForest(Double.toString(13.0 / 3)), "forest.pmml"), Map.of())) {
            assertEquals("forest", model.info().name());
        }
        ModelLoadException e = loadFails(verifiedForest("5.0"), "forest.pmml");
        assertTrue(e.getMessage().contains("ModelVerification"), e.getMessage());
    }

    @Test
    void parsingCostIsPaidAtLoadNotOnTheFirstRecord() throws Exception {
        try (Model model = loader.load(bytes(PmmlFixtures.decisionTree(), "kinds.pmml"), Map.of())) {
            Features row = Features.builder().put("length", 3.0).put("colour", "blue").build();
            long start = System.nanoTime();
            model.predict(List.of(row));
            long firstMicros = (System.nanoTime() - start) / 1000;
            // Generous for a shared 2-core machine; without the warm-up the first call loads the evaluation classes.
            assertTrue(firstMicros < 200_000, "first prediction took " + firstMicros + " µs");
        }
    }
}
