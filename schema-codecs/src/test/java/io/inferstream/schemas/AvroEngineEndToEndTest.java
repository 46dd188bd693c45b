package io.inferstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.kafka.KafkaRecords;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Avro records as other programs write them, scored end to end on a real broker: Confluent's own Python serializer
 * (registry framing, schemas registered through the registry stand-in's REST API), python3-avro with the
 * single-object framing assembled from the Avro specification, and bare bodies. Every record is accounted for
 * (records in == predictions + dead letters), predictions equal the same model's predictions for the same values fed
 * as JSON and the plain-Java reference computation, and Avro predictions are read back by Confluent's Python
 * deserializer through the registry.
 */
class AvroEngineEndToEndTest extends SchemaEngineTestSupport {
    /** The reference classifier's four features, spread over a nested record, a nullable field and a top-level one. */
    private static final String V1 = "{\"type\":\"record\",\"name\":\"Txn\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"txn\",\"type\":{\"type\":\"record\",\"name\":\"Amounts\",\"fields\":["
            + "  {\"name\":\"f0\",\"type\":\"double\"},{\"name\":\"f1\",\"type\":\"float\"}]}},"
            + "{\"name\":\"f2\",\"type\":\"int\"},"
            + "{\"name\":\"f3\",\"type\":\"double\"}]}";
    /** v2: f3 becomes nullable, a field is added. */
    private static final String V2 = "{\"type\":\"record\",\"name\":\"Txn\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"txn\",\"type\":{\"type\":\"record\",\"name\":\"Amounts\",\"fields\":["
            + "  {\"name\":\"f0\",\"type\":\"double\"},{\"name\":\"f1\",\"type\":\"float\"}]}},"
            + "{\"name\":\"f2\",\"type\":\"int\"},"
            + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null},"
            + "{\"name\":\"f3\",\"type\":[\"null\",\"double\"],\"default\":null}]}";
    /** v3: id removed, fields reordered, f1 widened to double, f2 to long. */
    private static final String V3 = "{\"type\":\"record\",\"name\":\"Txn\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"f3\",\"type\":[\"null\",\"double\"],\"default\":null},"
            + "{\"name\":\"f2\",\"type\":\"long\"},"
            + "{\"name\":\"txn\",\"type\":{\"type\":\"record\",\"name\":\"Amounts\",\"fields\":["
            + "  {\"name\":\"f1\",\"type\":\"double\"},{\"name\":\"f0\",\"type\":\"double\"}]}}]}";

    /** A record of the given schema version (0, 1, 2) holding the features x. */
    private static ObjectNode txn(int version, double[] x, int i) {
        ObjectNode v = JSON.createObjectNode();
        if (version < 2) {
            v.put("id", "t-" + i);
        }
        ObjectNode amounts = v.putObject("txn");
        amounts.put("f0", x[0]);
        amounts.put("f1", (float) x[1]);
        v.put("f2", (int) x[2]);
        v.put("f3", x[3]); // python3-avro takes a union's value as is
        if (version == 1) {
            v.putNull("note");
        }
        return v;
    }

    @Test
    void registryRecordsOfThreeSchemaVersionsAreScoredLikeJsonAndBadOnesDeadLettered() throws Exception {
        Topics topics = new Topics("avro-registry");
        int n = 300;
        double[][] rows = samples(n, 41);
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            ObjectNode spec = spec(topics, "registry", registry.url(), V1, V2, V3);
            ArrayNode records = (ArrayNode) spec.get("records");
            for (int i = 0; i < n; i++) {
                records.addObject().put("key", "k-" + i).put("schema", i % 3).set("value", txn(i % 3, rows[i], i));
            }
            ObjectNode nullF3 = txn(1, rows[0], 0);
            nullF3.putNull("f3");
            records.addObject().put("key", "bad-null").put("schema", 1).set("value", nullF3);
            ArrayNode raw = (ArrayNode) spec.get("raw");
            raw.addObject().put("key", "bad-magic").put("hex", hex("{\"f0\":1}".getBytes(StandardCharsets.UTF_8)));
            raw.addObject().put("key", "bad-unknown-id").put("hex", "00000003e7" + "0a0b0c");
            raw.addObject().put("key", "bad-short").put("hex", "0000");
            raw.addObject().put("key", "bad-truncated").put("hex", "0000000001" + "02"); // id 1 (v1), then cut
            raw.addObject().put("key", "bad-longer").put("hex", "0000000001"
                    + hex(v1Body(rows[1])) + "ffff");
            int written = write(spec);
            assertEquals(n + 6, written);
            assertEquals(3, new SchemaRegistryClient(registry.url(), "", null, Duration.ofSeconds(5))
                    .latest(topics.input + "-value").orElseThrow().version(), "the writer registered three versions");

            Map<String, Object> props = engineProperties(topics);
            props.put(EngineConfig.SCHEMA_REGISTRY_URL, registry.url());
            props.put(EngineConfig.INPUT_CONCAT_PREFIX + "features", "txn.f0,txn.f1,f2,f3");
            props.put(EngineConfig.MODEL_CLASS_LABELS, String.join(",", ReferenceClassifier.LABELS));
            Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
            Map<String, ConsumerRecord<byte[], byte[]>> out = run(topics, props, reference(), written, 6, dead);

            assertPredictionsLikeJson(rows, out);
            assertDead(dead, "bad-null", DeadLetterHeaders.STAGE_VALIDATE, "'f3'");
            assertDead(dead, "bad-magic", DeadLetterHeaders.STAGE_DECODE, "wrong magic byte 0x7B");
            assertDead(dead, "bad-unknown-id", DeadLetterHeaders.STAGE_DECODE, "unknown schema id 999");
            assertDead(dead, "bad-short", DeadLetterHeaders.STAGE_DECODE, "fewer than the 5");
            assertDead(dead, "bad-truncated", DeadLetterHeaders.STAGE_DECODE, "writer schema id 1 shop.Txn: the Avro body ends");
            assertDead(dead, "bad-longer", DeadLetterHeaders.STAGE_DECODE, "longer than its schema");
            assertEquals("{\"f0\":1}", new String(dead.get("bad-magic").value(), StandardCharsets.UTF_8),
                    "dead letters keep the original bytes");
        }
    }

    /** An engine on the reference classifier that retries a held batch every 100-500 ms. */
    private static InferenceEngine retryingEngine(Topics topics, SchemaRegistryStandIn registry) throws Exception {
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.SCHEMA_REGISTRY_URL, registry.url());
        props.put(EngineConfig.INPUT_CONCAT_PREFIX + "features", "txn.f0,txn.f1,f2,f3");
        props.put(EngineConfig.RETRY_BACKOFF_INITIAL_MS, 100L);
        props.put(EngineConfig.RETRY_BACKOFF_MAX_MS, 500L);
        return InferenceEngine.start(new EngineConfig(props), () -> MODELS.load(reference(), "onnx", Map.of()));
    }

    /** A v1 body written by Avro's Java writer, to build a record with extra bytes after it. */
    private static byte[] v1Body(double[] x) {
        return v1Body(new org.apache.avro.Schema.Parser().parse(V1), x, "x");
    }

    /** A body of schema v1 (whole: its nested record defined inline) written by Avro's Java writer. */
    private static byte[] v1Body(org.apache.avro.Schema schema, double[] x, String id) {
        org.apache.avro.generic.GenericRecord amounts = new org.apache.avro.generic.GenericData.Record(
                schema.getField("txn").schema());
        amounts.put("f0", x[0]);
        amounts.put("f1", (float) x[1]);
        org.apache.avro.generic.GenericRecord r = new org.apache.avro.generic.GenericData.Record(schema);
        r.put("id", id);
        r.put("txn", amounts);
        r.put("f2", (int) x[2]);
        r.put("f3", x[3]);
        return AvroRecordDecoderTest.body(schema, r);
    }

    @Test
    void aRegistryOutageHoldsTheRecordsAndTheEngineResumesOnItsOwnWithoutDeadLetters() throws Exception {
        Topics topics = new Topics("avro-outage");
        int n = 200;
        double[][] rows = samples(n, 42);
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            ObjectNode spec = spec(topics, "registry", registry.url(), V1, V2);
            ArrayNode records = (ArrayNode) spec.get("records");
            for (int i = 0; i < n; i++) {
                records.addObject().put("key", "k-" + i).put("schema", i % 2).set("value", txn(i % 2, rows[i], i));
            }
            assertEquals(n, write(spec));
            registry.outage(true);
            try (InferenceEngine engine = retryingEngine(topics, registry)) {
                EngineMetrics m = engine.metrics();
                await(() -> registry.requests() >= 5, 30_000, () -> "the engine did not ask the registry");
                Thread.sleep(3_000);
                assertEquals(0, m.predictionsOut() + m.deadLetters(), "nothing passes while the registry is down");
                assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
                registry.outage(false);
                awaitAccounted(engine, n, 60_000);
                assertEquals(0, m.deadLetters(), "no record is dead-lettered for the registry's outage");
                assertEquals(n, m.predictionsOut());
            }
            assertEquals(n, KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, n, Duration.ofSeconds(30)).size());
        }
    }

    @Test
    void aRegistryFailingOnAReferenceHoldsTheRecordsUntilItRecoversWithoutDeadLetters() throws Exception {
        Topics topics = new Topics("avro-reference-500");
        int n = 120;
        double[][] rows = samples(n, 45);
        String amounts = "{\"type\":\"record\",\"name\":\"Amounts\",\"namespace\":\"shop\",\"fields\":["
                + "{\"name\":\"f0\",\"type\":\"double\"},{\"name\":\"f1\",\"type\":\"float\"}]}";
        // V1 with its nested record defined in a subject of its own, as Confluent's serializers register references.
        String txn = V1.replaceFirst("\\{\"type\":\"record\",\"name\":\"Amounts\".*?\\]\\}", "\"shop.Amounts\"");
        org.apache.avro.Schema whole = new org.apache.avro.Schema.Parser().parse(V1);
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            registry.register("shop.Amounts", "AVRO", amounts);
            int id = registry.register(topics.input + "-value", "AVRO", txn,
                    List.of(new SchemaRegistryStandIn.Reference("shop.Amounts", "shop.Amounts", 1)));
            List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                records.add(Map.entry(("k-" + i).getBytes(StandardCharsets.UTF_8),
                        AvroRecordDecoderTest.framed(id, v1Body(whole, rows[i], "t-" + i))));
            }
            KafkaRecords.produceBytes(KAFKA.broker(), topics.input, records);
            // The referenced subject fails (the schema by id is served): the engine cannot read the writer schema.
            registry.misanswer("/subjects/shop.Amounts/", 500, "application/json",
                    "{\"error_code\":50001,\"message\":\"Error in the backend data store\"}");
            try (InferenceEngine engine = retryingEngine(topics, registry)) {
                EngineMetrics m = engine.metrics();
                int before = registry.requests();
                await(() -> registry.requests() >= before + 6, 30_000, () -> "the engine did not ask again");
                assertEquals(0, m.predictionsOut() + m.deadLetters(), "nothing passes while the reference fails");
                assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
                registry.answerCorrectly();
                awaitAccounted(engine, n, 60_000);
                assertEquals(0, m.deadLetters(), "no record is dead-lettered for the registry's failure");
                assertEquals(n, m.predictionsOut(), "every record scored once the reference is served");
            }
            Map<String, ConsumerRecord<byte[], byte[]>> out = new HashMap<>();
            KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, n, Duration.ofSeconds(30))
                    .forEach(r -> out.put(new String(r.key(), StandardCharsets.UTF_8), r));
            assertPredictionsLikeJson(rows, out);
        }
    }

    @Test
    void singleObjectRecordsInAndAvroPredictionsOutReadBackByConfluentsDeserializer() throws Exception {
        Topics topics = new Topics("avro-single");
        DenseNetwork network = DenseNetwork.random(16, 8, 4, 43);
        float[][] images = network.sampleInputs(100, 44);
        String image = "{\"type\":\"record\",\"name\":\"Image\",\"namespace\":\"demo\",\"fields\":["
                + "{\"name\":\"label\",\"type\":[\"null\",\"string\"],\"default\":null},"
                + "{\"name\":\"pixels\",\"type\":{\"type\":\"array\",\"items\":\"float\"}}]}";
        Path avsc = dir.resolve("image.avsc");
        Files.writeString(avsc, image);
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            ObjectNode spec = spec(topics, "single-object", "", image);
            ArrayNode records = (ArrayNode) spec.get("records");
            for (int i = 0; i < images.length; i++) {
                ObjectNode v = JSON.createObjectNode().putNull("label");
                ArrayNode pixels = v.putArray("pixels");
                for (float f : images[i]) {
                    pixels.add(f);
                }
                records.addObject().put("key", "k-" + i).put("schema", 0).set("value", v);
            }
            assertEquals(images.length, write(spec));
            Map<String, Object> props = engineProperties(topics);
            props.put(EngineConfig.INPUT_AVRO_ENCODING, "single-object");
            props.put(EngineConfig.INPUT_AVRO_SCHEMA, avsc.toString());
            props.put(EngineConfig.INPUT_FIELD_PREFIX + "input", "pixels");
            props.put(EngineConfig.OUTPUT_CODEC, "avro");
            props.put(EngineConfig.SCHEMA_REGISTRY_URL, registry.url());
            run(topics, props, ModelSource.of(OnnxModelWriter.denseNetwork(network), "net.onnx"), images.length, 0,
                    new HashMap<>());

            Map<String, JsonNode> read = new HashMap<>();
            for (String line : python("read_predictions.py", KAFKA.broker().bootstrapServers(), topics.output,
                    registry.url(), Integer.toString(images.length)).split("\n")) {
                if (!line.isBlank()) {
                    JsonNode r = JSON.readTree(line);
                    read.put(r.get("key").asText(), r.get("value"));
                }
            }
            assertEquals(images.length, read.size());
            for (int i = 0; i < images.length; i++) {
                JsonNode p = read.get("k-" + i);
                assertNotNull(p, "no prediction for k-" + i);
                assertEquals("k-" + i, p.get("key").asText());
                JsonNode got = p.get("outputs").get("probabilities");
                double[] want = network.forward(images[i]);
                assertEquals(want.length, got.size());
                for (int c = 0; c < want.length; c++) {
                    assertEquals(want[c], got.get(c).asDouble(), 1e-5, "k-" + i + " class " + c);
                }
            }
        }
    }

    @Test
    void bareBinaryRecordsWithTheSchemaInAFile() throws Exception {
        Topics topics = new Topics("avro-binary");
        int n = 100;
        double[][] rows = samples(n, 45);
        Path avsc = dir.resolve("txn.avsc");
        Files.writeString(avsc, V1);
        ObjectNode spec = spec(topics, "binary", "", V1);
        ArrayNode records = (ArrayNode) spec.get("records");
        for (int i = 0; i < n; i++) {
            records.addObject().put("key", "k-" + i).put("schema", 0).set("value", txn(0, rows[i], i));
        }
        ((ArrayNode) spec.get("raw")).addObject().put("key", "bad-truncated").put("hex", hex(v1Body(rows[0])).substring(0, 10));
        assertEquals(n + 1, write(spec));
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.INPUT_AVRO_ENCODING, "binary");
        props.put(EngineConfig.INPUT_AVRO_SCHEMA, avsc.toString());
        props.put(EngineConfig.INPUT_CONCAT_PREFIX + "features", "txn.f0,txn.f1,f2,f3");
        props.put(EngineConfig.MODEL_CLASS_LABELS, String.join(",", ReferenceClassifier.LABELS));
        Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
        assertPredictionsLikeJson(rows, run(topics, props, reference(), n + 1, 1, dead));
        assertDead(dead, "bad-truncated", DeadLetterHeaders.STAGE_DECODE, "the Avro body ends");
    }

}
