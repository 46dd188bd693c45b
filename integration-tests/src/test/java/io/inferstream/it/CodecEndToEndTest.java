package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.Float32RecordDecoder;
import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter.Attribute;
import io.inferstream.sandbox.models.OnnxModelWriter.ElementType;
import io.inferstream.sandbox.models.OnnxModelWriter.ValueType;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** input.codec=csv (both layouts) and input.codec=float32 end to end: exact predictions, bad records dead-lettered. */
class CodecEndToEndTest extends EngineScenarioSupport {
    private static final int RECORDS = 600;
    private final ModelRegistry registry = ModelRegistry.discover();

    /** Scores {@code values} (key "k-i" for index i) and returns predictions and dead letters by key. */
    private Map<String, ConsumerRecord<byte[], byte[]>> run(String name, Map<String, Object> extra, ModelSource source,
            List<byte[]> values, int expectedDeadLetters, Map<String, ConsumerRecord<byte[], byte[]>> deadLetters)
            throws Exception {
        Topics topics = new Topics(name, 2);
        List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            records.add(new AbstractMap.SimpleImmutableEntry<>(utf8("k-" + i), values.get(i)));
        }
        KafkaRecords.produceBytes(KAFKA.broker(), topics.input, records);
        Map<String, Object> props = engineProperties(topics);
        props.putAll(extra);
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> registry.load(source, "onnx", Map.of()))) {
            awaitAccounted(engine, values.size(), 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
            assertEquals(expectedDeadLetters, engine.metrics().deadLetters(), () -> "dead letters: " + engine.metrics());
        }
        Map<String, ConsumerRecord<byte[], byte[]>> predictions = new HashMap<>();
        KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, values.size() - expectedDeadLetters, Duration.ofSeconds(30))
                .forEach(r -> predictions.put(key(r), r));
        KafkaRecords.consumeBytes(KAFKA.broker(), topics.deadLetters, expectedDeadLetters, Duration.ofSeconds(30))
                .forEach(r -> deadLetters.put(key(r), r));
        return predictions;
    }

    private static String csvLine(double[] x, int i) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < x.length; j++) {
            String cell = Double.toString(x[j]);
            // Quoted cells, padding and CRLF line ends are all legal CSV a producer may write.
            sb.append(j == 0 ? "" : ",").append(i % 3 == 0 ? "\"" + cell + "\"" : i % 3 == 1 ? " " + cell + " " : cell);
        }
        return sb.append(i % 5 == 0 ? "\r\n" : "").toString();
    }

    private static void assertReferencePredictions(double[][] rows, Map<String, ConsumerRecord<byte[], byte[]>> out) {
        for (int i = 0; i < rows.length; i++) {
            ConsumerRecord<byte[], byte[]> r = out.get("k-" + i);
            assertTrue(r != null, "no prediction for k-" + i);
            PredictionJson p = PredictionJson.parse(r.value());
            assertProbabilities(ReferenceClassifier.probabilities(rows[i]), p.numbers("probabilities"), "k-" + i);
            assertEquals(ReferenceClassifier.label(rows[i]), p.label(), "label of k-" + i);
        }
    }

    @Test
    void csvColumnsFillTheVectorInputInHeaderOrder() throws Exception {
        double[][] rows = ReferenceClassifier.sampleInputs(RECORDS, 31);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            values.add(utf8(csvLine(rows[i], i)));
        }
        values.add(utf8("1.0,2.0,3.0"));          // k-600: three cells for a four-column header
        values.add(utf8("1.0,two,3.0,4.0"));      // k-601: not a number
        values.add(utf8("1.0,\"2.0,3.0,4.0"));    // k-602: unterminated quote
        Map<String, Object> props = new HashMap<>();
        props.put(EngineConfig.INPUT_CODEC, "csv");
        props.put(EngineConfig.INPUT_CSV_HEADER, String.join(",", ReferenceClassifier.FEATURES));
        props.put(EngineConfig.MODEL_CLASS_LABELS, String.join(",", ReferenceClassifier.LABELS));
        Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
        Map<String, ConsumerRecord<byte[], byte[]>> out = run("csv-vector", props,
                ModelSource.of(OnnxModelWriter.referenceClassifier(), "reference.onnx"), values, 3, dead);

        assertReferencePredictions(rows, out);
        assertEquals(DeadLetterHeaders.STAGE_DECODE, header(dead.get("k-600"), DeadLetterHeaders.STAGE));
        assertTrue(header(dead.get("k-600"), DeadLetterHeaders.ERROR_MESSAGE).contains("3 cells"));
        assertEquals(DeadLetterHeaders.STAGE_VALIDATE, header(dead.get("k-601"), DeadLetterHeaders.STAGE));
        assertTrue(header(dead.get("k-601"), DeadLetterHeaders.ERROR_MESSAGE).contains("'two'"));
        assertEquals(DeadLetterHeaders.STAGE_DECODE, header(dead.get("k-602"), DeadLetterHeaders.STAGE));
    }

    /** The reference classifier with one scalar input per feature, joined inside the graph. */
    private static byte[] scalarInputReferenceClassifier() {
        OnnxModelWriter.Builder b = OnnxModelWriter.builder().graphName("scalar_reference_classifier");
        List<String> columns = new ArrayList<>();
        b.initializer("axis1", new long[] {1}, 1);
        for (String f : ReferenceClassifier.FEATURES) {
            b.input(f, ValueType.tensor(ElementType.FLOAT, OnnxModelWriter.BATCH));
            b.node("Unsqueeze", List.of(f, "axis1"), List.of(f + "_column"));
            columns.add(f + "_column");
        }
        double[][] w = ReferenceClassifier.weights();
        float[] flat = new float[w.length * w[0].length];
        for (int c = 0; c < w.length; c++) {
            for (int j = 0; j < w[c].length; j++) {
                flat[c * w[c].length + j] = (float) w[c][j];
            }
        }
        double[] bias = ReferenceClassifier.bias();
        float[] b32 = new float[bias.length];
        for (int c = 0; c < bias.length; c++) {
            b32[c] = (float) bias[c];
        }
        return b.output("probabilities", ValueType.tensor(ElementType.FLOAT, OnnxModelWriter.BATCH, w.length))
                .initializer("W", flat, w.length, w[0].length)
                .initializer("B", b32, w.length)
                .node("Concat", columns, List.of("features"), Attribute.of("axis", 1))
                .node("Gemm", List.of("features", "W", "B"), List.of("logits"), Attribute.of("transB", 1))
                .node("Softmax", List.of("logits"), List.of("probabilities"), Attribute.of("axis", 1))
                .build();
    }

    @Test
    void csvColumnsNamedLikeScalarInputsFillThemByNameInAnyOrder() throws Exception {
        double[][] rows = ReferenceClassifier.sampleInputs(RECORDS, 32);
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            // Header order f3,id,f1,f0,f2: shuffled, with a column the model does not know.
            double[] x = rows[i];
            values.add(utf8(x[3] + ",id-" + i + "," + x[1] + "," + x[0] + "," + x[2]));
        }
        Map<String, Object> props = new HashMap<>();
        props.put(EngineConfig.INPUT_CODEC, "csv");
        props.put(EngineConfig.INPUT_CSV_HEADER, "f3,id,f1,f0,f2");
        props.put(EngineConfig.MODEL_CLASS_LABELS, String.join(",", ReferenceClassifier.LABELS));
        Map<String, ConsumerRecord<byte[], byte[]>> out = run("csv-columns", props,
                ModelSource.of(scalarInputReferenceClassifier(), "scalars.onnx"), values, 0, new HashMap<>());
        assertReferencePredictions(rows, out);
    }

    @Test
    void float32RecordsArePredictedExactlyAndBadOnesDeadLettered() throws Exception {
        DenseNetwork network = DenseNetwork.random(16, 8, 4, 33);
        float[][] inputs = network.sampleInputs(RECORDS, 34);
        List<byte[]> values = new ArrayList<>();
        for (float[] x : inputs) {
            values.add(Float32RecordDecoder.encode(x));
        }
        float[] withNaN = inputs[0].clone();
        withNaN[5] = Float.NaN;
        values.add(new byte[] {1, 2, 3});                                      // k-600: not whole floats
        values.add(Float32RecordDecoder.encode(new float[15]));                // k-601: 15 of 16 values
        values.add(Float32RecordDecoder.encode(withNaN));                      // k-602: NaN
        values.add(new byte[0]);                                               // k-603: empty
        Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
        Map<String, ConsumerRecord<byte[], byte[]>> out = run("float32",
                Map.of(EngineConfig.INPUT_CODEC, "float32", EngineConfig.MAX_BATCH_SIZE, 64), onnx(network), values, 4,
                dead);

        for (int i = 0; i < inputs.length; i++) {
            ConsumerRecord<byte[], byte[]> r = out.get("k-" + i);
            assertTrue(r != null, "no prediction for k-" + i);
            assertProbabilities(network.forward(inputs[i]), PredictionJson.parse(r.value()).numbers("probabilities"),
                    "k-" + i);
        }
        assertEquals(DeadLetterHeaders.STAGE_DECODE, header(dead.get("k-600"), DeadLetterHeaders.STAGE));
        assertEquals(DeadLetterHeaders.STAGE_VALIDATE, header(dead.get("k-601"), DeadLetterHeaders.STAGE));
        assertTrue(header(dead.get("k-601"), DeadLetterHeaders.ERROR_MESSAGE).contains("15 values"));
        assertEquals(DeadLetterHeaders.STAGE_VALIDATE, header(dead.get("k-602"), DeadLetterHeaders.STAGE));
        assertTrue(header(dead.get("k-602"), DeadLetterHeaders.ERROR_MESSAGE).contains("NaN"));
        // Empty is the same decode error in every codec (for float32 it used to be "0 values" at validate).
        assertEquals(DeadLetterHeaders.STAGE_DECODE, header(dead.get("k-603"), DeadLetterHeaders.STAGE));
        assertEquals("empty value (0 bytes)", header(dead.get("k-603"), DeadLetterHeaders.ERROR_MESSAGE));
        assertEquals(0, dead.get("k-603").value().length, "the original (empty) value is kept");
    }
}
