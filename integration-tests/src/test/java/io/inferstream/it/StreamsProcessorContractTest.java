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
import io.inferstream.deploy.ScoringPipeline;
import io.inferstream.deploy.TrafficSample;
import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.engine.ModelProvider;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.pmml.fixtures.PmmlFixtures;
import io.inferstream.streams.Inference;
import io.inferstream.streams.InferenceOptions;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.contract.ReferenceClassifier;
import io.inferstream.testkit.onnx.OnnxModelWriter;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.test.TestRecord;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cross-framework contract through the Kafka Streams processor: the contract model of every format (the same
 * {@link ReferenceClassifier}, made by each framework as its adapter's contract test makes it) scores the same
 * records byte for byte alike through the engine's {@link ScoringPipeline} and through
 * {@code Inference.processor()} in a topology under {@code TopologyTestDriver}, and both match the plain-Java
 * reference. Here, not in kafka-streams, because only this module may see every adapter and its fixtures.
 */
class StreamsProcessorContractTest {
    private static final int ROWS = 300;

    @TempDir
    Path dir;

    /** One format's contract model: how to write it, the engine settings it needs, the tolerance it holds. */
    record ContractModel(String name, Maker maker, String format, Map<String, String> settings, double tolerance) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Writes a contract model under a folder. */
    @FunctionalInterface
    interface Maker {
        ModelSource write(Path dir) throws Exception;
    }

    private static final Map<String, String> LABELS = Map.of(EngineConfig.MODEL_CLASS_LABELS, "low,mid,high");

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
                new ContractModel("dl4j", StreamsProcessorContractTest::dl4j, null,
                        with(LABELS, concat("input", "f0,f1,f2,f3")), 1e-5),
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
        try (InputStream in = StreamsProcessorContractTest.class.getResourceAsStream("/keras/" + name)) {
            Path file = d.resolve(name);
            Files.copy(in, file);
            return ModelSource.of(file);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void theStreamsProcessorScoresEveryContractModelAsTheEngineDoes(ContractModel m) throws Exception {
        ModelSource source = m.maker().write(dir);
        ModelRegistry registry = ModelRegistry.discover();
        ModelProvider provider = () -> registry.load(source, m.format(), Map.of());
        Map<String, Object> settings = new HashMap<>(m.settings());
        // Required engine keys, never used: the pipeline is Kafka-free; only the codec and label keys matter here.
        settings.put(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9");
        settings.put(EngineConfig.GROUP_ID, "contract");
        settings.put(EngineConfig.INPUT_TOPICS, "rows");
        settings.put(EngineConfig.OUTPUT_TOPIC, "predictions");
        settings.put(EngineConfig.DEAD_LETTER_TOPIC, "dead-letters");
        EngineConfig config = new EngineConfig(settings);
        List<String> labels = config.getList(EngineConfig.MODEL_CLASS_LABELS);
        String labelOutput = config.getString(EngineConfig.MODEL_CLASS_OUTPUT);

        double[][] inputs = ReferenceClassifier.sampleInputs(ROWS, 11);
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            keys.add(("row-" + i).getBytes(StandardCharsets.UTF_8));
            values.add(ReferenceClassifier.toJson(inputs[i]).getBytes(StandardCharsets.UTF_8));
        }

        List<byte[]> engine = new ArrayList<>();
        try (DeploymentManager manager = new DeploymentManager(new FixedModelSource("model", provider),
                new DeploymentSettings(1, info -> RecordCodecs.decoder(config, info), labels, labelOutput, 8,
                        List.of(), false), new TrafficSample(16))) {
            manager.start(Duration.ofMinutes(2));
            ScoringPipeline pipeline = new ScoringPipeline(0, 64, 1 << 20, manager.traffic());
            for (int from = 0; from < ROWS; from += 64) { // the engine's batches of max.batch.size=64
                int to = Math.min(ROWS, from + 64);
                Deployment deployment = manager.acquire();
                try {
                    for (ScoringPipeline.Outcome o : pipeline.score(deployment, keys.subList(from, to),
                            values.subList(from, to)).outcomes()) {
                        assertTrue(o.ok(), () -> m + ": the engine rejected a row: " + o.error());
                        engine.add(o.prediction());
                    }
                } finally {
                    deployment.release();
                }
            }
        }

        List<TestRecord<byte[], byte[]>> streams;
        try (Inference inference = Inference.start(provider, InferenceOptions.builder().maxBatchSize(64)
                .decoders(info -> RecordCodecs.decoder(config, info)).classLabels(labels, labelOutput)
                .predictionChild("predictions").deadLetterChild("dead-letters").build())) {
            StreamsBuilder builder = new StreamsBuilder();
            Serde<byte[]> bytes = Serdes.ByteArray();
            KStream<byte[], byte[]> scored = builder.stream("rows", Consumed.with(bytes, bytes))
                    .processValues(inference.processor());
            scored.to("predictions", Produced.with(bytes, bytes).withName("predictions"));
            scored.to("dead-letters", Produced.with(bytes, bytes).withName("dead-letters"));
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "contract-" + m.name());
            props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
            try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props, Instant.EPOCH)) {
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic("rows", new ByteArraySerializer(),
                        new ByteArraySerializer());
                for (int i = 0; i < ROWS; i++) {
                    in.pipeInput(keys.get(i), values.get(i));
                }
                driver.advanceWallClockTime(Duration.ofSeconds(1)); // the last, part-filled batch
                streams = driver.createOutputTopic("predictions", new ByteArrayDeserializer(),
                        new ByteArrayDeserializer()).readRecordsToList();
                assertTrue(driver.createOutputTopic("dead-letters", new ByteArrayDeserializer(),
                        new ByteArrayDeserializer()).isEmpty(), m + ": no dead letters");
            }
        }

        assertEquals(ROWS, streams.size(), m + ": a prediction per row");
        for (int i = 0; i < ROWS; i++) {
            String where = m + " row " + i;
            assertArrayEquals(keys.get(i), streams.get(i).key(), where + ": input order");
            assertEquals(new String(engine.get(i), StandardCharsets.UTF_8),
                    new String(streams.get(i).value(), StandardCharsets.UTF_8), where + ": engine vs Streams");
            PredictionJson p = PredictionJson.parse(streams.get(i).value());
            double[] want = ReferenceClassifier.probabilities(inputs[i]);
            assertEquals(ReferenceClassifier.LABELS, List.copyOf(p.probabilities().keySet()), where);
            for (int c = 0; c < want.length; c++) {
                double got = p.probabilities().get(ReferenceClassifier.LABELS.get(c));
                assertEquals(want[c], got, m.tolerance(), where + ": p(" + ReferenceClassifier.LABELS.get(c) + ")");
            }
            assertEquals(ReferenceClassifier.label(inputs[i]), p.label(), where + ": label");
        }
    }
}
