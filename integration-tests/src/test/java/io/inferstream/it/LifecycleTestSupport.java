package io.inferstream.it;

import io.inferstream.config.EngineConfig;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.deploy.RoutingSpec;
import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.engine.ModelSources;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InferenceException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Shared parts of the model-lifecycle tests: networks with known weights written as real ONNX files, publishing
 * them to a model topic the way {@code inferstream publish-model} does, and an engine that follows the topic.
 *
 * <p>Thread safety: JUnit test support; not for concurrent use.
 */
abstract class LifecycleTestSupport extends EngineTestSupport {
    static final int INPUTS = 12;
    static final DenseNetwork V1 = DenseNetwork.random(INPUTS, 8, 4, 101);
    static final DenseNetwork V2 = DenseNetwork.random(INPUTS, 8, 4, 202);
    static final DenseNetwork V3 = DenseNetwork.random(INPUTS, 8, 4, 303);

    /** Loaders of every test: the real ONNX adapter, plus a format whose models throw on every batch. */
    final ModelRegistry registry = ModelRegistry.discover().register(new ExplodingLoader());

    /** Writes a network as a real ONNX file in the folder and returns its path. */
    static Path onnxFile(Path dir, String name, DenseNetwork net) throws IOException {
        Files.createDirectories(dir);
        return Files.write(dir.resolve(name), OnnxModelWriter.denseNetwork(net));
    }

    static void publish(String topic, String name, String version, Path model, String format) throws IOException {
        try (ModelPublisher p = new ModelPublisher(Map.of("bootstrap.servers", KAFKA.broker().bootstrapServers()), topic)) {
            p.ensureTopic(Duration.ofSeconds(30));
            p.publish(name, version, model, format, 64 * 1024);
        }
    }

    static void route(String topic, String name, String weights, String shadow) throws IOException {
        try (ModelPublisher p = new ModelPublisher(Map.of("bootstrap.servers", KAFKA.broker().bootstrapServers()), topic)) {
            p.route(name, RoutingSpec.parse(weights, shadow, true));
        }
    }

    static Map<String, Object> topicProperties(Topics topics, String modelTopic, String name) {
        Map<String, Object> p = engineProperties(topics);
        p.put(EngineConfig.MODEL_TOPIC, modelTopic);
        p.put(EngineConfig.MODEL_NAME, name);
        p.put(EngineConfig.MAX_BATCH_SIZE, 200);
        return p;
    }

    InferenceEngine startFollowing(Map<String, Object> props) throws Exception {
        EngineConfig config = new EngineConfig(props);
        return InferenceEngine.start(config, ModelSources.fromConfig(config, registry, Path.of(".")));
    }

    /** Produces {@code count} records keyed {@code <prefix><i>} with rows of the shared sample, in one call. */
    static void produce(String topic, String prefix, int from, int count) {
        float[][] rows = ROWS.computeIfAbsent(from + "/" + count, k -> V1.sampleInputs(count, from));
        List<Map.Entry<String, String>> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add(new AbstractMap.SimpleEntry<>(prefix + (from + i), DenseNetwork.toJson(rows[i])));
        }
        KafkaRecords.produceStrings(KAFKA.broker(), topic, records);
    }

    private static final Map<String, float[][]> ROWS = new java.util.concurrent.ConcurrentHashMap<>();

    /** @return the input row a key was produced with (same seed and index as {@link #produce}). */
    static float[] rowOf(int from, int count, int i) {
        return ROWS.computeIfAbsent(from + "/" + count, k -> V1.sampleInputs(count, from))[i - from];
    }

    static DenseNetwork network(String version) {
        switch (version) {
            case "1": return V1;
            case "2": return V2;
            case "3": return V3;
            default: throw new AssertionError("unexpected version " + version);
        }
    }

    /** Asserts a prediction equals its version's plain-Java forward pass of the row. */
    static void assertScoredBy(PredictionJson p, float[] row) {
        double[] expected = network(p.version()).forward(row);
        double[] actual = p.numbers("probabilities");
        for (int c = 0; c < expected.length; c++) {
            if (Math.abs(expected[c] - actual[c]) > 1e-5) {
                throw new AssertionError("key " + p.key() + " version " + p.version() + " class " + c + ": expected "
                        + expected[c] + ", got " + actual[c]);
            }
        }
    }

    static Map<String, PredictionJson> byKey(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, PredictionJson> out = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            PredictionJson p = PredictionJson.parse(r.value());
            if (out.put(p.key(), p) != null) {
                throw new AssertionError("key " + p.key() + " scored twice");
            }
        }
        return out;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Format {@code exploding}: any file loads as a model with the networks' signature that throws on every batch. */
    static final class ExplodingLoader implements ModelLoader {
        @Override
        public String format() {
            return "exploding";
        }

        @Override
        public boolean accepts(ModelSource source) {
            return source.name().endsWith(".boom");
        }

        @Override
        public Model load(ModelSource source, Map<String, ?> config) {
            return new Model() {
                @Override
                public ModelInfo info() {
                    return ModelInfo.builder("exploding").name("boom").input(FieldSpec.tensor("input", DataType.FLOAT,
                            INPUTS)).output(FieldSpec.tensor("probabilities", DataType.FLOAT, 4)).threadSafe(true).build();
                }

                @Override
                public List<Prediction> predict(List<Features> batch) throws InferenceException {
                    throw new IllegalStateException("this model always fails");
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
