package io.inferstream.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.Prediction;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ClassLabelledModel;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.RecordScorer;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cross-framework contract: every adapter's test extends this class and supplies the
 * {@link ReferenceClassifier} made in its own format; the same JSON records must then give the reference
 * probabilities and labels, both in process and through the real engine on a real Kafka KAFKA.broker().
 *
 * <p>Subclasses implement {@link #writeContractModel(Path)}, and override {@link #engineProperties()} when their
 * format needs the scalar fields joined into a tensor ({@code input.concat.<input>=f0,f1,f2,f3}) or class labels
 * ({@code model.class.labels=low,mid,high}), and {@link #tolerance()} when the format cannot hold the weights
 * exactly.
 *
 * <p>A format that cannot express a linear softmax at all (a tree ensemble: every prediction is a sum of leaf values,
 * so no tree model equals {@code softmax(W·x + b)}) overrides {@link #expectedProbabilities(double[])} with a
 * reference of its own that shares no code with the adapter, for a model of the same four features and three
 * classes trained on the reference's outputs (LightGBM: a plain-Java walk of the text model's trees). Everything
 * else is checked as for every format: the same records, class labels in order, each probability within
 * {@link #tolerance()}, the label of the most probable class, no dead letters, every record once.
 *
 * <p>Thread safety: a JUnit test class; one broker per concrete class, started before its tests.
 */
public abstract class ModelContractTest {
    /** Rows scored in each test. */
    protected static final int ROWS = 300;

    @TempDir
    Path tempDir;

    /** Writes the reference classifier in the adapter's format under {@code dir} and returns where it is. */
    protected abstract ModelSource writeContractModel(Path dir) throws Exception;

    /** @return the format id to load with, or null to let the registry detect it. */
    protected String format() {
        return null;
    }

    /** @return loader options. */
    protected Map<String, ?> loaderOptions() {
        return Map.of();
    }

    /** @return engine properties this format needs, e.g. {@code input.concat.features=f0,f1,f2,f3}. */
    protected Map<String, String> engineProperties() {
        return Map.of();
    }

    /** @return the largest allowed |probability − reference| (1e-5 for formats that hold the weights exactly). */
    protected double tolerance() {
        return 1e-5;
    }

    /**
     * @return what the model must predict for row {@code x}, one probability per class of
     *     {@link ReferenceClassifier#LABELS}, in that order: {@link ReferenceClassifier#probabilities} unless the
     *     format cannot express a linear model (see the class comment); the expected label is the most probable
     *     class of these
     */
    protected double[] expectedProbabilities(double[] x) throws Exception {
        return ReferenceClassifier.probabilities(x);
    }

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private EngineConfig config(String bootstrap, String suffix) {
        Map<String, Object> p = new HashMap<>(engineProperties());
        p.put(EngineConfig.BOOTSTRAP_SERVERS, bootstrap);
        p.put(EngineConfig.GROUP_ID, "contract-" + suffix);
        p.put(EngineConfig.INPUT_TOPICS, "contract-in-" + suffix);
        p.put(EngineConfig.OUTPUT_TOPIC, "contract-out-" + suffix);
        p.put(EngineConfig.DEAD_LETTER_TOPIC, "contract-dlt-" + suffix);
        p.put(EngineConfig.MAX_BATCH_SIZE, 64);
        p.put(EngineConfig.WORKER_THREADS, 2);
        return new EngineConfig(p);
    }

    private Model load() throws Exception {
        return ModelRegistry.discover().load(writeContractModel(tempDir), format(), loaderOptions());
    }

    private void assertMatchesReference(double[] x, String label, Map<String, Double> probabilities, String where)
            throws Exception {
        double[] want = expectedProbabilities(x);
        assertEquals(ReferenceClassifier.LABELS.size(), want.length, where + ": expected probabilities per class");
        assertEquals(ReferenceClassifier.LABELS, List.copyOf(probabilities.keySet()), where + ": class labels in order");
        for (int c = 0; c < want.length; c++) {
            double got = probabilities.get(ReferenceClassifier.LABELS.get(c));
            assertTrue(Math.abs(got - want[c]) <= tolerance(), where + ": p(" + ReferenceClassifier.LABELS.get(c)
                    + ") = " + got + ", reference " + want[c] + ", tolerance " + tolerance());
        }
        assertEquals(ReferenceClassifier.mostProbableLabel(want), label, where + ": label");
    }

    @Test
    void inProcessPredictionsMatchTheReference() throws Exception {
        double[][] inputs = ReferenceClassifier.sampleInputs(ROWS, 42);
        try (Model loaded = load()) {
            EngineConfig config = config("127.0.0.1:9", "offline");
            List<String> labels = config.getList(EngineConfig.MODEL_CLASS_LABELS);
            Model model = labels.isEmpty() ? loaded
                    : ClassLabelledModel.wrap(loaded, labels, config.getString(EngineConfig.MODEL_CLASS_OUTPUT));
            RecordScorer scorer = new RecordScorer(model, RecordCodecs.decoder(config, model.info()), 64, 1 << 20);
            List<byte[]> values = new ArrayList<>();
            for (double[] x : inputs) {
                values.add(ReferenceClassifier.toJson(x).getBytes(StandardCharsets.UTF_8));
            }
            List<ScoredRecord<Prediction>> results = scorer.score(values);
            for (int i = 0; i < inputs.length; i++) {
                ScoredRecord<Prediction> r = results.get(i);
                assertTrue(r.ok(), () -> "row rejected: " + r.error());
                assertMatchesReference(inputs[i], r.prediction().label().orElse(null), r.prediction().probabilities(),
                        "row " + i);
            }
        }
    }

    @Test
    void enginePredictionsOnKafkaMatchTheReference() throws Exception {
        String suffix = getClass().getSimpleName().toLowerCase();
        EngineConfig config = config(KAFKA.broker().bootstrapServers(), suffix);
        KAFKA.broker().createTopic("contract-in-" + suffix, 3);
        KAFKA.broker().createTopic("contract-out-" + suffix, 3);
        KAFKA.broker().createTopic("contract-dlt-" + suffix, 1);
        double[][] inputs = ReferenceClassifier.sampleInputs(ROWS, 7);
        List<Map.Entry<String, String>> records = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>("row-" + i, ReferenceClassifier.toJson(inputs[i])));
        }
        KafkaRecords.produceStrings(KAFKA.broker(), "contract-in-" + suffix, records);
        List<ConsumerRecord<byte[], byte[]>> out;
        ModelSource source = writeContractModel(tempDir);
        ModelRegistry registry = ModelRegistry.discover();
        try (InferenceEngine engine = InferenceEngine.start(config, () -> registry.load(source, format(), loaderOptions()))) {
            out = KafkaRecords.consumeBytes(KAFKA.broker(), "contract-out-" + suffix, ROWS, Duration.ofSeconds(60));
            assertEquals(EngineState.RUNNING, engine.state(), () -> "engine failed: " + engine.failure());
        }
        assertEquals(0, KafkaRecords.countRecords(KAFKA.broker(), "contract-dlt-" + suffix), "no dead letters");
        boolean[] seen = new boolean[ROWS];
        for (ConsumerRecord<byte[], byte[]> r : out) {
            PredictionJson p = PredictionJson.parse(r.value());
            int i = Integer.parseInt(p.key().substring("row-".length()));
            assertTrue(!seen[i], "row " + i + " predicted twice");
            seen[i] = true;
            assertMatchesReference(inputs[i], p.label(), p.probabilities(), "record row-" + i);
        }
    }
}
