package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.deploy.TrafficSample;
import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.ModelProvider;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.scoring.ScoringPipeline;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import io.inferstream.testkit.contract.PredictionJson;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * The cross-framework contract models the stream-processor contract tests share: the same
 * {@link ReferenceClassifier} made by every framework (as its adapter's contract test makes it), the engine settings
 * each needs, the rows to score, what the engine's own {@link ScoringPipeline} makes of them, and the check of a
 * host's predictions against the engine's bytes and the plain-Java reference. Here, not in testkit or an adapter's
 * test-jar, because it needs every adapter's fixtures and only this module may see them all.
 *
 * <p>Thread safety: stateless; each {@link Rows} is confined to one test.
 */
final class ContractModels {
    /** Rows each contract test scores per model. */
    static final int ROWS = 300;
    /** The engine's batch size in the baseline, and the hosts' {@code maxBatchSize}: several full batches and a part. */
    static final int BATCH = 64;

    private static final Map<String, String> LABELS = Map.of(EngineConfig.MODEL_CLASS_LABELS, "low,mid,high");

    private ContractModels() {
    }

    /** One format's contract model: how to write it, the engine settings it needs, the tolerance it holds. */
    record ContractModel(String name, Maker maker, String format, Map<String, String> settings, double tolerance) {
        @Override
        public String toString() {
            return name;
        }

        /**
         * @return the engine configuration of these settings; the Kafka keys are required by {@link EngineConfig}
         *     but never used, since the pipeline is Kafka-free: only the codec and label keys matter here
         */
        EngineConfig config() {
            Map<String, Object> all = new HashMap<>(settings);
            all.put(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9");
            all.put(EngineConfig.GROUP_ID, "contract");
            all.put(EngineConfig.INPUT_TOPICS, "rows");
            all.put(EngineConfig.OUTPUT_TOPIC, "predictions");
            all.put(EngineConfig.DEAD_LETTER_TOPIC, "dead-letters");
            return new EngineConfig(all);
        }
    }

    /** Writes a contract model under a folder. */
    @FunctionalInterface
    interface Maker {
        ModelSource write(Path dir) throws Exception;
    }

    /** The contract model of every format, for {@code @MethodSource}. */
    static Stream<ContractModel> models() {
        return Stream.of(
                new ContractModel("onnx", d -> ModelSource.of(Files.write(d.resolve("reference.onnx"),
                        OnnxModelWriter.referenceClassifier())), null, with(LABELS, concat("features", "f0,f1,f2,f3")),
                        1e-5),
                new ContractModel("onnx-zipmap", d -> ModelSource.of(OnnxModelWriter.labelledReferenceClassifier(),
                        "labelled-classifier"), null, concat("features", "f0,f1,f2,f3"), 1e-5),
                new ContractModel("pmml", d -> ModelSource.of(PmmlFixtures.write(d, "reference.pmml",
                        PmmlFixtures.referenceClassifier())), null, Map.of(), 1e-5),
                new ContractModel("tensorflow", d -> ModelSource.of(SavedModelFixtures.referenceClassifier(
                        d.resolve("reference-classifier"))), "tensorflow",
                        with(LABELS, concat("features", "f0,f1,f2,f3")), 1e-5),
                new ContractModel("dl4j", ContractModels::dl4j, null, with(LABELS, concat("input", "f0,f1,f2,f3")),
                        1e-5),
                new ContractModel("keras-sequential", d -> keras("reference_sequential.h5", d), null,
                        with(LABELS, concat("probs_input", "f0,f1,f2,f3")), 1e-5),
                new ContractModel("keras-functional", d -> keras("reference_functional.h5", d), null,
                        with(LABELS, with(concat("a", "f0,f1"), concat("b", "f2,f3"))), 1e-5),
                // The fitted GLM is measured at 2.2e-8 from the reference (H2oContractTest).
                new ContractModel("h2o-mojo", d -> ModelSource.of(MojoFixtures.copyTo("reference_glm", d)), null,
                        Map.of(), 1e-6));
    }

    private static Map<String, String> concat(String input, String fields) {
        return Map.of(EngineConfig.INPUT_CONCAT_PREFIX + input, fields);
    }

    private static Map<String, String> with(Map<String, String> a, Map<String, String> b) {
        Map<String, String> all = new HashMap<>(a);
        all.putAll(b);
        return all;
    }

    private static ModelSource dl4j(Path d) throws Exception {
        MultiLayerNetwork net = Dl4jFixtures.referenceClassifier();
        try {
            return ModelSource.of(Dl4jFixtures.save(net, d.resolve("reference.zip")));
        } finally {
            net.close();
        }
    }

    /** The Keras HDF5 files the DL4J adapter's tests import, from its test-jar. */
    private static ModelSource keras(String name, Path d) throws Exception {
        try (InputStream in = ContractModels.class.getResourceAsStream("/keras/" + name)) {
            Path file = d.resolve(name);
            Files.copy(in, file);
            return ModelSource.of(file);
        }
    }

    /** @return a loader of the model written under {@code dir}: each call loads a new instance. */
    static ModelProvider provider(ContractModel m, Path dir) throws Exception {
        ModelSource source = m.maker().write(dir);
        ModelRegistry registry = ModelRegistry.discover();
        return () -> registry.load(source, m.format(), Map.of());
    }

    /** The sample rows as the records a host receives: key {@code row-i}, the row's JSON as the value. */
    record Rows(double[][] inputs, List<byte[]> keys, List<byte[]> values) {
        static Rows sample() {
            double[][] inputs = ReferenceClassifier.sampleInputs(ROWS, 11);
            List<byte[]> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < ROWS; i++) {
                keys.add(("row-" + i).getBytes(StandardCharsets.UTF_8));
                values.add(ReferenceClassifier.toJson(inputs[i]).getBytes(StandardCharsets.UTF_8));
            }
            return new Rows(inputs, keys, values);
        }
    }

    /**
     * @return the engine's predictions of the rows, in order: its {@link ScoringPipeline} over the model, decoded as
     *     the engine's configuration says, in batches of {@link #BATCH}
     */
    static List<byte[]> scoreWithEngine(ContractModel m, ModelProvider provider, Rows rows) throws Exception {
        EngineConfig config = m.config();
        List<byte[]> engine = new ArrayList<>();
        try (DeploymentManager manager = new DeploymentManager(new FixedModelSource("model", provider),
                new DeploymentSettings(1, info -> RecordCodecs.decoder(config, info),
                        config.getList(EngineConfig.MODEL_CLASS_LABELS),
                        config.getString(EngineConfig.MODEL_CLASS_OUTPUT), 8, List.of(), false),
                new TrafficSample(16))) {
            manager.start(Duration.ofMinutes(2));
            ScoringPipeline<byte[]> pipeline = ScoringPipeline.json(0, BATCH, 1 << 20, manager.traffic());
            for (int from = 0; from < ROWS; from += BATCH) {
                int to = Math.min(ROWS, from + BATCH);
                Deployment deployment = manager.acquire();
                try {
                    for (ScoredRecord<byte[]> o : pipeline.score(deployment, rows.keys().subList(from, to),
                            rows.values().subList(from, to)).outcomes()) {
                        assertTrue(o.ok(), () -> m + ": the engine rejected a row: " + o.error());
                        engine.add(o.output());
                    }
                } finally {
                    deployment.release();
                }
            }
        }
        return engine;
    }

    /**
     * Asserts a host's outputs are one per row in input order, each byte for byte the engine's prediction of that
     * row and the plain-Java reference's probabilities and label.
     *
     * @param host names the host in messages
     * @param keys the outputs' keys, in output order
     * @param values the outputs' values, in output order
     */
    static void assertSameAsEngine(ContractModel m, String host, Rows rows, List<byte[]> engine, List<byte[]> keys,
            List<byte[]> values) {
        assertEquals(ROWS, values.size(), m + ": a prediction per row from " + host);
        for (int i = 0; i < ROWS; i++) {
            String where = m + " row " + i;
            assertArrayEquals(rows.keys().get(i), keys.get(i), where + ": input order");
            assertEquals(new String(engine.get(i), StandardCharsets.UTF_8),
                    new String(values.get(i), StandardCharsets.UTF_8), where + ": engine vs " + host);
            PredictionJson p = PredictionJson.parse(values.get(i));
            double[] want = ReferenceClassifier.probabilities(rows.inputs()[i]);
            assertEquals(ReferenceClassifier.LABELS, List.copyOf(p.probabilities().keySet()), where);
            for (int c = 0; c < want.length; c++) {
                double got = p.probabilities().get(ReferenceClassifier.LABELS.get(c));
                assertEquals(want[c], got, m.tolerance(), where + ": p(" + ReferenceClassifier.LABELS.get(c) + ")");
            }
            assertEquals(ReferenceClassifier.label(rows.inputs()[i]), p.label(), where + ": label");
        }
    }
}
