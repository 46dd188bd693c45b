package io.inferstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the end-to-end tests of the schema codecs share: one real broker per class, topics per test, an engine run
 * that accounts for every record (records in == predictions + dead letters), the independent Python writers and
 * readers (Debian's python3-avro, python3-protobuf and python3-confluent-kafka), and the comparison of predictions
 * with the same model's predictions for the same values fed as JSON.
 *
 * <p>Thread safety: JUnit test support; not for concurrent use.
 */
abstract class SchemaEngineTestSupport {
    static final String PYTHON = "/usr/bin/python3";
    static final ObjectMapper JSON = new ObjectMapper();
    static final AtomicInteger SEQUENCE = new AtomicInteger();
    static final ModelRegistry MODELS = ModelRegistry.discover();

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    @BeforeAll
    static void pythonWritersAreThere() throws Exception {
        boolean ok = new File(PYTHON).canExecute() && new ProcessBuilder(PYTHON, "-c",
                "import avro.io, confluent_kafka.avro.serializer.message_serializer").inheritIO().start().waitFor() == 0;
        if (System.getenv("CI") != null) {
            assertTrue(ok, "python3-avro and python3-confluent-kafka (Debian) are needed: .ci/run installs them");
        }
        assumeTrue(ok, "python3-avro and python3-confluent-kafka are not installed");
    }

    /** Topics of one test. */
    static final class Topics {
        final String input;
        final String output;
        final String deadLetters;
        final String group;

        Topics(String name) {
            int n = SEQUENCE.incrementAndGet();
            input = name + "-in-" + n;
            output = name + "-out-" + n;
            deadLetters = name + "-dlt-" + n;
            group = name + "-group-" + n;
            KAFKA.broker().createTopic(input, 2);
            KAFKA.broker().createTopic(output, 2);
            KAFKA.broker().createTopic(deadLetters, 1);
        }
    }

    static Map<String, Object> engineProperties(Topics topics) {
        Map<String, Object> p = new HashMap<>();
        p.put(EngineConfig.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        p.put(EngineConfig.GROUP_ID, topics.group);
        p.put(EngineConfig.INPUT_TOPICS, topics.input);
        p.put(EngineConfig.OUTPUT_TOPIC, topics.output);
        p.put(EngineConfig.DEAD_LETTER_TOPIC, topics.deadLetters);
        p.put(EngineConfig.WORKER_THREADS, 2);
        p.put(EngineConfig.INPUT_CODEC, "avro");
        return p;
    }

    /** Runs the python writer on a spec and returns how many records it wrote. */
    int write(ObjectNode spec) throws Exception {
        return write(spec, "write_records.py");
    }

    /** Runs a python writer on a spec and returns how many records it wrote. */
    int write(ObjectNode spec, String script) throws Exception {
        Path file = Files.createTempFile(dir, "spec", ".json");
        JSON.writeValue(file.toFile(), spec);
        return Integer.parseInt(python(script, file.toString()).trim());
    }

    String python(String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PYTHON, Path.of("src/test/python", script).toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), script + " did not finish");
        assertEquals(0, p.exitValue(), script + " failed: " + out);
        return out;
    }

    static ObjectNode spec(Topics topics, String encoding, String registry, String... schemas) {
        ObjectNode spec = JSON.createObjectNode().put("bootstrap", KAFKA.broker().bootstrapServers())
                .put("topic", topics.input).put("encoding", encoding).put("registry", registry);
        ArrayNode s = spec.putArray("schemas");
        for (String schema : schemas) {
            s.add(schema);
        }
        spec.putArray("records");
        spec.putArray("raw");
        return spec;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    static ModelSource reference() {
        return ModelSource.of(OnnxModelWriter.referenceClassifier(), "reference.onnx");
    }

    /**
     * Each prediction equals the reference computation and the same model's prediction for the same features fed as
     * JSON ({@code {"features": [...]}}).
     */
    static void assertPredictionsLikeJson(double[][] rows, Map<String, ConsumerRecord<byte[], byte[]>> out)
            throws Exception {
        try (Model model = MODELS.load(reference(), "onnx", Map.of())) {
            JsonRecordDecoder json = new JsonRecordDecoder(model.info(), Map.of(), false);
            List<Features> batch = new ArrayList<>();
            for (double[] x : rows) {
                batch.add(json.decode(("{\"features\":[" + x[0] + "," + x[1] + "," + x[2] + "," + x[3] + "]}")
                        .getBytes(StandardCharsets.UTF_8)));
            }
            List<Prediction> fromJson = model.predict(batch);
            for (int i = 0; i < rows.length; i++) {
                ConsumerRecord<byte[], byte[]> r = out.get("k-" + i);
                assertNotNull(r, "no prediction for k-" + i);
                double[] got = PredictionJson.parse(r.value()).numbers("probabilities");
                float[] viaJson = fromJson.get(i).output("probabilities").asFloats();
                double[] reference = ReferenceClassifier.probabilities(rows[i]);
                for (int c = 0; c < got.length; c++) {
                    assertEquals(viaJson[c], (float) got[c], "k-" + i + ": the same as the JSON-fed prediction");
                    assertEquals(reference[c], got[c], 1e-5, "k-" + i + ": the reference computation");
                }
            }
        }
    }

    static void assertDead(Map<String, ConsumerRecord<byte[], byte[]>> dead, String key, String stage,
            String part) {
        ConsumerRecord<byte[], byte[]> r = dead.get(key);
        assertNotNull(r, "no dead letter for " + key + "; dead letters: " + dead.keySet());
        assertEquals(stage, header(r, DeadLetterHeaders.STAGE), key);
        String message = header(r, DeadLetterHeaders.ERROR_MESSAGE);
        assertTrue(message.contains(part), key + ": '" + message + "' should say '" + part + "'");
    }

    static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static Map<String, ConsumerRecord<byte[], byte[]>> run(Topics topics, Map<String, Object> props,
            ModelSource source, int records, int expectedDead, Map<String, ConsumerRecord<byte[], byte[]>> dead)
            throws Exception {
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> MODELS.load(source, "onnx", Map.of()))) {
            awaitAccounted(engine, records, 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
            assertEquals(expectedDead, engine.metrics().deadLetters(), () -> "dead letters: " + engine.metrics());
            assertEquals(records - expectedDead, engine.metrics().predictionsOut(), "records in == predictions + dead");
        }
        Map<String, ConsumerRecord<byte[], byte[]>> out = new HashMap<>();
        KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, records - expectedDead, Duration.ofSeconds(30))
                .forEach(r -> out.put(new String(r.key(), StandardCharsets.UTF_8), r));
        KafkaRecords.consumeBytes(KAFKA.broker(), topics.deadLetters, expectedDead, Duration.ofSeconds(30))
                .forEach(r -> dead.put(new String(r.key(), StandardCharsets.UTF_8), r));
        return out;
    }

    static void awaitAccounted(InferenceEngine engine, long records, long timeoutMillis) throws Exception {
        EngineMetrics m = engine.metrics();
        await(() -> m.predictionsOut() + m.deadLetters() >= records || engine.failure().isPresent(), timeoutMillis,
                () -> "only " + (m.predictionsOut() + m.deadLetters()) + " of " + records + " accounted for: " + m);
    }

    static void await(BooleanSupplier condition, long timeoutMillis, java.util.function.Supplier<String> message)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(message.get());
            }
            Thread.sleep(20);
        }
    }

    /** The features as the Avro writer stores them: f1 as a float32, f2 as a whole number. */
    static double[] sample(double[] x) {
        return new double[] {x[0], (float) x[1], (int) x[2], x[3]};
    }

    static double[][] samples(int n, long seed) {
        double[][] rows = ReferenceClassifier.sampleInputs(n, seed);
        for (int i = 0; i < n; i++) {
            rows[i][2] = Math.round(rows[i][2] * 3); // an int column
            rows[i] = sample(rows[i]);
        }
        return rows;
    }

}
