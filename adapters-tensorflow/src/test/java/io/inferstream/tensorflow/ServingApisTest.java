package io.inferstream.tensorflow;

import static io.inferstream.tensorflow.fixtures.ServingApisSavedModel.AGE;
import static io.inferstream.tensorflow.fixtures.ServingApisSavedModel.CITY;
import static io.inferstream.tensorflow.fixtures.ServingApisSavedModel.INCOME;
import static io.inferstream.tensorflow.fixtures.ServingApisSavedModel.KIDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.RecordScorer;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import io.inferstream.tensorflow.fixtures.ServingApisSavedModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;

/**
 * TF Serving's classic classify and regress signatures (one serialized {@code tf.Example} per record, the input
 * declared {@code [-1]} or of unknown rank) served through the adapter and the engine's JSON decoder, every
 * score checked against the same model computed in plain Java from the fixture's weights.
 */
class ServingApisTest {
    private static final TensorFlowModelLoader LOADER = new TensorFlowModelLoader();
    private static final List<String> CLASSIFY_SIGNATURES =
            List.of(ServingApisSavedModel.CLASSIFY, ServingApisSavedModel.CLASSIFY_UNKNOWN_RANK);
    private static final List<String> REGRESS_SIGNATURES =
            List.of(ServingApisSavedModel.REGRESS, ServingApisSavedModel.REGRESS_UNKNOWN_RANK);

    @TempDir
    static Path dir;
    private static Path savedModel;

    @BeforeAll
    static void writeModel() throws Exception {
        savedModel = ServingApisSavedModel.write(dir.resolve("census").resolve("1"));
    }

    /** One record's features; null is a feature the record leaves out. */
    record Row(Float age, Float income, String city, Long kids) {
        /** z = [age, income, one-hot city, kids], with the defaults the graph's parser applies. */
        double[] z() {
            double[] z = new double[6];
            z[0] = age;
            z[1] = income == null ? ServingApisSavedModel.INCOME_DEFAULT : income;
            int c = city == null ? -1 : ServingApisSavedModel.CITIES.indexOf(city);
            if (c >= 0) {
                z[2 + c] = 1;
            }
            z[5] = kids == null ? 0 : kids;
            return z;
        }

        double regression() {
            double[] z = z();
            double y = ServingApisSavedModel.REGRESSION_BIAS;
            for (int i = 0; i < z.length; i++) {
                y += z[i] * ServingApisSavedModel.REGRESSION[i];
            }
            return y;
        }

        double[] scores() {
            double[] z = z();
            double[] logits = new double[ServingApisSavedModel.LABELS.size()];
            for (int k = 0; k < logits.length; k++) {
                logits[k] = ServingApisSavedModel.CLASSIFIER_BIAS[k];
                for (int i = 0; i < z.length; i++) {
                    logits[k] += z[i] * ServingApisSavedModel.CLASSIFIER[i][k];
                }
            }
            return ReferenceClassifier.softmax(logits);
        }

        /** The record as a tf.Example written with the protobuf classes, leaving out the absent features. */
        byte[] example() {
            org.tensorflow.proto.Features.Builder f = org.tensorflow.proto.Features.newBuilder();
            f.putFeature(AGE, Feature.newBuilder().setFloatList(FloatList.newBuilder().addValue(age)).build());
            if (income != null) {
                f.putFeature(INCOME, Feature.newBuilder().setFloatList(FloatList.newBuilder().addValue(income)).build());
            }
            if (city != null) {
                f.putFeature(CITY, Feature.newBuilder().setBytesList(BytesList.newBuilder()
                        .addValue(com.google.protobuf.ByteString.copyFromUtf8(city))).build());
            }
            if (kids != null) {
                f.putFeature(KIDS, Feature.newBuilder().setInt64List(Int64List.newBuilder().addValue(kids)).build());
            }
            return Example.newBuilder().setFeatures(f).build().toByteArray();
        }

        /** The record as named features in JSON, TF Serving's "examples" style. */
        String json() {
            // A whole age is written as a JSON integer, which must still go into the float_list the graph parses.
            String ageText = age == Math.rint(age) ? String.valueOf(age.intValue()) : String.valueOf(age);
            StringBuilder s = new StringBuilder("{\"" + AGE + "\": " + ageText);
            if (income != null) {
                s.append(", \"" + INCOME + "\": ").append(income);
            }
            if (city != null) {
                s.append(", \"" + CITY + "\": \"").append(city).append('"');
            }
            if (kids != null) {
                s.append(", \"" + KIDS + "\": ").append(kids);
            }
            return s.append('}').toString();
        }
    }

    /** Random records; about a quarter leave out each optional feature, and some live in a city with no weight. */
    static List<Row> rows(int n, long seed) {
        Random random = new Random(seed);
        List<String> cities = List.of("paris", "lagos", "lima", "oslo");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float age = 18 + random.nextInt(60) + random.nextInt(4) / 4f;
            Float income = random.nextInt(4) == 0 ? null : Math.round(random.nextFloat() * 1000) / 100f;
            String city = random.nextInt(4) == 0 ? null : cities.get(random.nextInt(cities.size()));
            Long kids = random.nextInt(4) == 0 ? null : (long) random.nextInt(5);
            rows.add(new Row(age, income, city, kids));
        }
        return rows;
    }

    static Model load(String signature, Map<String, String> more) throws Exception {
        Map<String, String> options = new java.util.HashMap<>(more);
        options.put(TensorFlowModelLoader.SIGNATURE, signature);
        return LOADER.load(ModelSource.of(savedModel), options);
    }

    static void assertMatches(Row row, Prediction p, String signature, String where) {
        if (REGRESS_SIGNATURES.contains(signature)) {
            float[] y = p.output("outputs").asFloats();
            assertEquals(1, y.length, where);
            assertEquals(row.regression(), y[0], 1e-4 * Math.max(1, Math.abs(row.regression())), where);
            assertFalse(p.label().isPresent(), where);
            return;
        }
        double[] want = row.scores();
        float[] scores = p.output("scores").asFloats();
        int best = 0;
        for (int k = 0; k < want.length; k++) {
            assertEquals(want[k], scores[k], 1e-5, where);
            assertEquals(want[k], p.probabilities().get(ServingApisSavedModel.LABELS.get(k)), 1e-5, where);
            best = want[k] > want[best] ? k : best;
        }
        assertArrayEquals(ServingApisSavedModel.LABELS.toArray(new String[0]), p.output("classes").asStrings(), where);
        assertEquals(ServingApisSavedModel.LABELS.get(best), p.label().orElseThrow(), where);
    }

    static EngineConfig offlineConfig() {
        return new EngineConfig(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9", EngineConfig.GROUP_ID, "g",
                EngineConfig.INPUT_TOPICS, "in", EngineConfig.OUTPUT_TOPIC, "out",
                EngineConfig.DEAD_LETTER_TOPIC, "dlt", EngineConfig.MAX_BATCH_SIZE, 100));
    }

    static RecordScorer scorer(Model model) {
        return new RecordScorer(model, RecordCodecs.decoder(offlineConfig(), model.info()), 100, 1 << 20);
    }

    static List<byte[]> utf8(List<String> json) {
        List<byte[]> values = new ArrayList<>();
        json.forEach(s -> values.add(s.getBytes(StandardCharsets.UTF_8)));
        return values;
    }

    @Test
    void aSerializedExampleInputOfShapeMinusOneOrOfUnknownRankIsOneScalarStringPerRecord() throws Exception {
        for (String signature : List.of(ServingApisSavedModel.CLASSIFY, ServingApisSavedModel.CLASSIFY_UNKNOWN_RANK,
                ServingApisSavedModel.REGRESS, ServingApisSavedModel.REGRESS_UNKNOWN_RANK)) {
            try (Model model = load(signature, Map.of())) {
                assertEquals(List.of(FieldSpec.scalar("inputs", DataType.BYTES)), model.info().inputs(), signature);
                boolean classify = CLASSIFY_SIGNATURES.contains(signature);
                assertEquals(classify ? "tensorflow/serving/classify" : "tensorflow/serving/regress",
                        model.info().properties().get("method"), signature);
                assertEquals(classify
                        ? List.of(FieldSpec.tensor("classes", DataType.STRING, 3), FieldSpec.tensor("scores", DataType.FLOAT, 3))
                        : List.of(FieldSpec.tensor("outputs", DataType.FLOAT, 1)), model.info().outputs(), signature);
            }
        }
    }

    @Test
    void classifyAndRegressGiveThePlainJavaResultsForEveryInputDeclaration() throws Exception {
        List<Row> rows = rows(300, 14);
        List<Features> batch = new ArrayList<>();
        for (Row r : rows) {
            batch.add(Features.of("inputs", Tensor.ofBytes(new byte[][] {r.example()}, new long[0])));
        }
        for (String signature : List.of(ServingApisSavedModel.CLASSIFY, ServingApisSavedModel.CLASSIFY_UNKNOWN_RANK,
                ServingApisSavedModel.REGRESS, ServingApisSavedModel.REGRESS_UNKNOWN_RANK)) {
            try (Model model = load(signature, Map.of())) {
                List<Prediction> out = model.predict(batch);
                assertEquals(rows.size(), out.size());
                for (int i = 0; i < rows.size(); i++) {
                    assertMatches(rows.get(i), out.get(i), signature, signature + " row " + i + " " + rows.get(i));
                }
            }
        }
    }

    @Test
    void jsonRecordsCarryTheExampleAsAB64ObjectOrAsAOneElementArray() throws Exception {
        List<Row> rows = rows(200, 10);
        Base64.Encoder b64 = Base64.getEncoder();
        List<String> json = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            String value = "{\"b64\": \"" + b64.encodeToString(rows.get(i).example()) + "\"}";
            // TF Serving's REST form is the object; a one-element array (a batch of one there) is kept for old clients.
            json.add(i % 2 == 0 ? "{\"inputs\": " + value + "}" : "{\"inputs\": [" + value + "]}");
        }
        for (String signature : List.of(ServingApisSavedModel.CLASSIFY_UNKNOWN_RANK, ServingApisSavedModel.REGRESS,
                ServingApisSavedModel.REGRESS_UNKNOWN_RANK)) {
            try (Model model = load(signature, Map.of())) {
                RecordScorer scorer = scorer(model);
                List<ScoredRecord<Prediction>> results = scorer.score(utf8(json));
                assertEquals(2, scorer.modelCallsAndReset(), "200 records at batch size 100 are 2 model calls");
                for (int i = 0; i < rows.size(); i++) {
                    ScoredRecord<Prediction> r = results.get(i);
                    assertTrue(r.ok(), () -> signature + " rejected: " + r.error());
                    assertMatches(rows.get(i), r.prediction(), signature, signature + " record " + i);
                }

                // Two examples in one record are ambiguous (which one is the record?): a validation error.
                String two = "{\"b64\": \"" + b64.encodeToString(rows.get(0).example()) + "\"}";
                List<ScoredRecord<Prediction>> bad = scorer.score(utf8(List.of(json.get(0),
                        "{\"inputs\": [" + two + ", " + two + "]}", "{\"inputs\": []}", json.get(1))));
                assertTrue(bad.get(0).ok() && bad.get(3).ok());
                for (int i = 1; i <= 2; i++) {
                    assertEquals("validate", bad.get(i).stage(), String.valueOf(bad.get(i).error()));
                    assertTrue(bad.get(i).error().getMessage().contains("inputs"), bad.get(i).error().getMessage());
                }
            }
        }
    }

    @Test
    void aRecordWithoutARequiredFeatureIsSetAsideAndTheRestScored() throws Exception {
        List<Row> rows = rows(20, 5);
        List<String> json = new ArrayList<>();
        for (Row r : rows) {
            json.add("{\"inputs\": {\"b64\": \"" + Base64.getEncoder().encodeToString(r.example()) + "\"}}");
        }
        // No "age": the graph's ParseExample refuses the record; the engine finds which one and scores the others.
        Example noAge = Example.newBuilder().setFeatures(org.tensorflow.proto.Features.newBuilder()
                .putFeature(INCOME, Feature.newBuilder().setFloatList(FloatList.newBuilder().addValue(1f)).build())).build();
        json.set(7, "{\"inputs\": {\"b64\": \"" + Base64.getEncoder().encodeToString(noAge.toByteArray()) + "\"}}");
        try (Model model = load(ServingApisSavedModel.REGRESS_UNKNOWN_RANK, Map.of())) {
            List<ScoredRecord<Prediction>> results = scorer(model).score(utf8(json));
            for (int i = 0; i < rows.size(); i++) {
                if (i == 7) {
                    assertEquals("predict", results.get(i).stage());
                    assertTrue(results.get(i).error().getMessage().toLowerCase(Locale.ROOT).contains(AGE),
                            results.get(i).error().getMessage());
                } else {
                    assertTrue(results.get(i).ok(), "record " + i);
                    assertMatches(rows.get(i), results.get(i).prediction(), ServingApisSavedModel.REGRESS, "record " + i);
                }
            }
        }
    }

    private static final Map<String, String> FEATURES_OPTION =
            Map.of(TensorFlowModelLoader.EXAMPLE_FEATURES, "age:float, income:float, city:string, kids:int64");

    @Test
    void namedFeaturesAreWrittenIntoATfExamplePerRecordWhenTheOptionDeclaresThem() throws Exception {
        List<Row> rows = rows(250, 99);
        List<String> json = new ArrayList<>();
        rows.forEach(r -> json.add(r.json()));
        for (String signature : List.of(ServingApisSavedModel.CLASSIFY, ServingApisSavedModel.REGRESS_UNKNOWN_RANK)) {
            try (Model model = load(signature, FEATURES_OPTION)) {
                assertEquals(List.of(FieldSpec.scalar(AGE, DataType.FLOAT), FieldSpec.scalar(INCOME, DataType.FLOAT),
                        FieldSpec.scalar(CITY, DataType.STRING), FieldSpec.scalar(KIDS, DataType.INT64)),
                        model.info().inputs(), "inspect shows the features a record gives");
                assertEquals("age:float,income:float,city:string,kids:int64",
                        model.info().properties().get(TensorFlowModelLoader.EXAMPLE_FEATURES));
                RecordScorer scorer = scorer(model);
                List<ScoredRecord<Prediction>> results = scorer.score(utf8(json));
                assertEquals(3, scorer.modelCallsAndReset(), "250 records at batch size 100 are 3 model calls");
                for (int i = 0; i < rows.size(); i++) {
                    ScoredRecord<Prediction> r = results.get(i);
                    String record = json.get(i);
                    assertTrue(r.ok(), () -> signature + " rejected " + record + ": " + r.error());
                    assertMatches(rows.get(i), r.prediction(), signature, signature + " record " + i + " " + json.get(i));
                }
            }
        }
    }

    @Test
    void inTheExamplesStyleABadOrIncompleteRecordIsSetAsideAndTheRestScored() throws Exception {
        List<Row> rows = rows(8, 3);
        List<String> json = new ArrayList<>();
        rows.forEach(r -> json.add(r.json()));
        json.set(1, "{\"age\": 40, \"kids\": 1.5}");      // a fraction for an int64_list
        json.set(3, "{\"age\": \"forty\"}");                // text for a float_list
        json.set(5, "{\"income\": 3.5, \"city\": \"lima\"}"); // no age, which the graph requires
        try (Model model = load(ServingApisSavedModel.CLASSIFY, FEATURES_OPTION)) {
            List<ScoredRecord<Prediction>> results = scorer(model).score(utf8(json));
            for (int i : List.of(1, 3, 5)) {
                assertFalse(results.get(i).ok(), "record " + i);
                String message = results.get(i).error().getMessage();
                assertTrue(message.contains(i == 1 ? KIDS : AGE), "record " + i + ": " + message);
            }
            for (int i : List.of(0, 2, 4, 6, 7)) {
                assertTrue(results.get(i).ok(), () -> "rejected: " + results.get(i).error());
                assertMatches(rows.get(i), results.get(i).prediction(), ServingApisSavedModel.CLASSIFY, "record " + i);
            }
        }
    }

    @Test
    void theExamplesStyleNeedsASignatureTakingSerializedExamplesAndAReadableOption() throws Exception {
        Path regression = SavedModelFixtures.linearRegression(dir.resolve("linear"));
        ModelLoadException e = assertThrows(
                ModelLoadException.class,
                () -> LOADER.load(ModelSource.of(regression), Map.of(TensorFlowModelLoader.EXAMPLE_FEATURES, "x:float")));
        assertTrue(e.getMessage().contains("linear") && e.getMessage().contains(TensorFlowModelLoader.EXAMPLE_FEATURES)
                && e.getMessage().contains("serialized tf.Example") && e.getMessage().contains("x: float"), e.getMessage());
        for (String bad : List.of("age:float32", "age", "age:float,age:int64", "age:float[-2]")) {
            e = assertThrows(ModelLoadException.class,
                    () -> load(ServingApisSavedModel.REGRESS, Map.of(TensorFlowModelLoader.EXAMPLE_FEATURES, bad)), bad);
            assertTrue(e.getMessage().contains("census") && e.getMessage().contains("'regress'")
                    && e.getMessage().contains(TensorFlowModelLoader.EXAMPLE_FEATURES), e.getMessage());
        }
    }
}
