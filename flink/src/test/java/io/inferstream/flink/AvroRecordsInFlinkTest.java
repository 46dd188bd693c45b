package io.inferstream.flink;

import static io.inferstream.flink.TestNets.NET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.codec.PredictionJson;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
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
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Avro records in the schema registry's wire format, written by Confluent's own Python serializer (Debian's
 * python3-confluent-kafka over python3-avro, through the registry stand-in) in two schema versions, scored by the
 * Flink operator on a MiniCluster with the engine's Avro decoder ({@link RecordDecoderFactory#engineCodec}): each
 * prediction equals the same model's prediction for the same row fed as JSON and the independent forward pass;
 * a record with a wrong magic byte and one with an unknown schema id are dead letters saying so.
 */
class AvroRecordsInFlinkTest {
    static final String PYTHON = "/usr/bin/python3";
    /** The writer shared with the schema-codecs module's tests. */
    static final Path WRITER = Path.of("../schema-codecs/src/test/python/write_records.py");
    static final ObjectMapper JSON = new ObjectMapper();
    static final int RECORDS = 200;
    static final String V1 = "{\"type\":\"record\",\"name\":\"Row\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"input\",\"type\":{\"type\":\"array\",\"items\":\"float\"}}]}";
    /** The second version adds a field before the model's and a nullable one: fields are matched by name. */
    static final String V2 = "{\"type\":\"record\",\"name\":\"Row\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\",\"default\":\"\"},"
            + "{\"name\":\"input\",\"type\":{\"type\":\"array\",\"items\":\"float\"}},"
            + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}]}";

    @TempDir
    Path dir;

    @Test
    void registryFramedAvroRecordsScoreAsTheirJsonTwins() throws Exception {
        boolean writers = new File(PYTHON).canExecute() && new ProcessBuilder(PYTHON, "-c",
                "import avro.io, confluent_kafka.avro.serializer.message_serializer").inheritIO().start().waitFor() == 0;
        if (System.getenv("CI") != null) {
            assertTrue(writers, "python3-avro and python3-confluent-kafka (Debian) are needed: .ci/run installs them");
        }
        assumeTrue(writers, "python3-avro and python3-confluent-kafka are not installed");
        float[][] rows = NET.sampleInputs(RECORDS, 11);
        try (ChildBroker broker = ChildBroker.start(); SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            broker.createTopic("avro-events", 2);
            broker.createTopic("avro-predictions", 2);
            broker.createTopic("avro-dead-letters", 1);
            write(broker.bootstrapServers(), registry.url(), rows);

            StreamExecutionEnvironment env = LocalFlink.environment(2, 300);
            InferenceOptions options = InferenceOptions.builder().maxBatchSize(50).maxBatchDelay(Duration.ofMillis(20))
                    .decoders(RecordDecoderFactory.engineCodec(Map.of("input.codec", "avro",
                            "schema.registry.url", registry.url())))
                    .build();
            SingleOutputStreamOperator<InferenceOutput> scored = FlinkInference.score(
                    LocalFlink.boundedKafka(env, broker.bootstrapServers(), "avro-events"),
                    ModelDeployment.path(TestNets.write(dir).toString()), options);
            scored.sinkTo(LocalFlink.exactlyOnceSink(broker.bootstrapServers(), "avro-predictions"));
            scored.getSideOutput(FlinkInference.DEAD_LETTERS)
                    .sinkTo(LocalFlink.exactlyOnceSink(broker.bootstrapServers(), "avro-dead-letters"));
            env.executeAsync("inferstream-avro").getJobExecutionResult().get(3, TimeUnit.MINUTES);

            Map<String, ConsumerRecord<byte[], byte[]>> out = byKey(LocalFlink.readCommitted(broker, "avro-predictions"));
            assertEquals(RECORDS, out.size(), "one prediction per good record");
            assertLikeJson(rows, out);
            Map<String, ConsumerRecord<byte[], byte[]>> dead = byKey(LocalFlink.readCommitted(broker, "avro-dead-letters"));
            assertEquals(2, dead.size(), "records in == predictions + dead letters");
            assertDead(dead.get("bad-magic"), "wrong magic byte 0x7B");
            assertDead(dead.get("bad-id"), "unknown schema id 4242");
        }
    }

    /** Rows alternate between the two schema versions; then the two bad records, as raw bytes. */
    private void write(String bootstrap, String registry, float[][] rows) throws Exception {
        ObjectNode spec = JSON.createObjectNode().put("bootstrap", bootstrap).put("topic", "avro-events")
                .put("encoding", "registry").put("registry", registry);
        spec.putArray("schemas").add(V1).add(V2);
        ArrayNode records = spec.putArray("records");
        for (int i = 0; i < rows.length; i++) {
            ObjectNode value = JSON.createObjectNode();
            ArrayNode input = value.putArray("input");
            for (float x : rows[i]) {
                input.add(x);
            }
            if (i % 2 == 1) {
                value.put("id", "row-" + i).putNull("note");
            }
            records.addObject().put("key", "k-" + i).put("schema", i % 2).set("value", value);
        }
        ArrayNode raw = spec.putArray("raw");
        raw.addObject().put("key", "bad-magic").put("hex", "7b22696e707574223a5b315d7d"); // {"input":[1]}
        raw.addObject().put("key", "bad-id").put("hex", "000000109200");
        Path file = Files.createTempFile(dir, "spec", ".json");
        JSON.writeValue(file.toFile(), spec);
        Process p = new ProcessBuilder(PYTHON, WRITER.toString(), file.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the writer did not finish");
        assertEquals(0, p.exitValue(), "the writer failed: " + printed);
        assertEquals(Integer.toString(rows.length + 2), printed);
    }

    /** Each prediction equals the same model's for the row fed as JSON, and the independent forward pass. */
    private void assertLikeJson(float[][] rows, Map<String, ConsumerRecord<byte[], byte[]>> out) throws Exception {
        try (Model model = ModelRegistry.discover().load(ModelSource.of(TestNets.write(dir)), null, Map.of())) {
            JsonRecordDecoder json = new JsonRecordDecoder(model.info(), Map.of(), false);
            List<Features> batch = new ArrayList<>();
            for (float[] row : rows) {
                batch.add(json.decode(DenseNetwork.toJson(row).getBytes(StandardCharsets.UTF_8)));
            }
            List<Prediction> fromJson = model.predict(batch);
            for (int i = 0; i < rows.length; i++) {
                ConsumerRecord<byte[], byte[]> r = out.get("k-" + i);
                assertNotNull(r, "no prediction for k-" + i);
                double[] got = PredictionJson.parse(r.value()).numbers("probabilities");
                float[] viaJson = fromJson.get(i).output("probabilities").asFloats();
                for (int c = 0; c < got.length; c++) {
                    assertEquals(viaJson[c], (float) got[c], "k-" + i + ": the same as the JSON-fed prediction");
                }
                assertArrayEquals(NET.forward(rows[i]), got, 1e-5, "k-" + i + ": the independent forward pass");
            }
        }
    }

    private static void assertDead(ConsumerRecord<byte[], byte[]> r, String reason) {
        assertNotNull(r, "no dead letter");
        assertEquals(DeadLetterHeaders.STAGE_DECODE, header(r, DeadLetterHeaders.STAGE));
        assertEquals("avro-events", header(r, DeadLetterHeaders.TOPIC));
        String message = header(r, DeadLetterHeaders.ERROR_MESSAGE);
        assertTrue(message.contains(reason), "'" + message + "' should say '" + reason + "'");
    }

    private static Map<String, ConsumerRecord<byte[], byte[]>> byKey(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, ConsumerRecord<byte[], byte[]>> m = new HashMap<>();
        records.forEach(r -> m.put(new String(r.key(), StandardCharsets.UTF_8), r));
        return m;
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
