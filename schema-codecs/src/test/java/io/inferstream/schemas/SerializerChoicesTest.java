package io.inferstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.data.DataType;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;

/**
 * What a user of Confluent's serializers expects of the Avro output against the registry stand-in: the three subject
 * name strategies, {@code auto.register.schemas=false} (look up, never register) and {@code use.latest.version}
 * (write with the subject's latest schema, which must be the predictions' schema); and the engine's codec keys
 * choosing them.
 */
class SerializerChoicesTest {
    private static final ModelInfo MODEL = ModelInfo.builder("test").name("clf").version("3")
            .input(FieldSpec.tensor("x", DataType.FLOAT, 2)).output(FieldSpec.tensor("p", DataType.FLOAT, 2)).build();
    private static final Prediction PREDICTION = Prediction.builder()
            .output("p", Tensor.ofFloats(new float[] {0.25f, 0.75f}, 2)).build();

    private static SchemaRegistryClient client(SchemaRegistryStandIn registry) {
        return new SchemaRegistryClient(registry.url(), "", null, Duration.ofSeconds(5));
    }

    private static int id(byte[] value) {
        assertEquals(0, value[0], "registry framing");
        return ByteBuffer.wrap(value, 1, 4).getInt();
    }

    private static GenericRecord read(String schema, byte[] value) throws Exception {
        return new GenericDatumReader<GenericRecord>(new Schema.Parser().parse(schema)).read(null,
                DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
    }

    @Test
    void eachSubjectNameStrategyRegistersUnderItsSubject() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            SchemaRegistryClient client = client(registry);
            Map<String, String> expected = Map.of(EngineConfig.SUBJECT_TOPIC, "scores-value",
                    EngineConfig.SUBJECT_RECORD, "shop.FraudScore",
                    EngineConfig.SUBJECT_TOPIC_RECORD, "scores-shop.FraudScore");
            for (Map.Entry<String, String> e : expected.entrySet()) {
                AvroPredictionEncoder encoder = new AvroPredictionEncoder(client, "scores", e.getKey(),
                        AvroPredictionEncoder.SchemaChoice.REGISTER, "shop.FraudScore");
                byte[] value = encoder.encode(PREDICTION, MODEL, null);
                RegisteredSchema latest = client.latest(e.getValue()).orElseThrow(
                        () -> new AssertionError(e.getKey() + ": nothing under " + e.getValue()));
                assertEquals(latest.id(), id(value), e.getKey());
                GenericRecord r = read(latest.text(), value);
                assertEquals("shop.FraudScore", r.getSchema().getFullName());
                assertEquals(List.of(0.25f, 0.75f), ((GenericRecord) r.get("outputs")).get("p"));
            }
        }
    }

    @Test
    void withoutAutoRegisterTheSchemaIsLookedUpAndNeverRegistered() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            SchemaRegistryClient client = client(registry);
            AvroPredictionEncoder lookUp = new AvroPredictionEncoder(client, "scores", EngineConfig.SUBJECT_TOPIC,
                    AvroPredictionEncoder.SchemaChoice.LOOK_UP, "io.inferstream.Prediction");
            IllegalStateException missing = assertThrows(IllegalStateException.class,
                    () -> lookUp.encode(PREDICTION, MODEL, null));
            assertTrue(missing.getMessage().contains("subject scores-value")
                    && missing.getMessage().contains("output.auto.register.schemas=false"), missing.getMessage());
            assertTrue(client.latest("scores-value").isEmpty(), "nothing was registered");

            // An operator registers the schema (here: as an encoder that may register would).
            int id = id(new AvroPredictionEncoder(client, "scores").encode(PREDICTION, MODEL, null));
            AvroPredictionEncoder again = new AvroPredictionEncoder(client, "scores", EngineConfig.SUBJECT_TOPIC,
                    AvroPredictionEncoder.SchemaChoice.LOOK_UP, "io.inferstream.Prediction");
            assertEquals(id, id(again.encode(PREDICTION, MODEL, null)), "the registered schema's id");
            assertEquals(1, client.latest("scores-value").orElseThrow().version(), "no new version");
        }
    }

    @Test
    void useLatestVersionWritesWithTheSubjectsLatestSchemaWhenItIsThePredictionsSchema() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            SchemaRegistryClient client = client(registry);
            AvroPredictionEncoder latest = new AvroPredictionEncoder(client, "scores", EngineConfig.SUBJECT_TOPIC,
                    AvroPredictionEncoder.SchemaChoice.LATEST, "io.inferstream.Prediction");
            IllegalStateException none = assertThrows(IllegalStateException.class,
                    () -> latest.encode(PREDICTION, MODEL, null));
            assertTrue(none.getMessage().contains("holds no schema"), none.getMessage());

            // The same schema with other docs, as a governance team might have registered it: its id is used.
            Schema derived = new Schema.Parser().parse(derivedSchema(client));
            String documented = derived.toString().replace("A prediction written by Inferstream", "Fraud scores");
            int documentedId = registry.register("scores-value", "AVRO", documented);
            AvroPredictionEncoder writer = new AvroPredictionEncoder(client, "scores", EngineConfig.SUBJECT_TOPIC,
                    AvroPredictionEncoder.SchemaChoice.LATEST, "io.inferstream.Prediction");
            byte[] value = writer.encode(PREDICTION, MODEL, "k".getBytes());
            assertEquals(documentedId, id(value));
            assertEquals(List.of(0.25f, 0.75f), ((GenericRecord) read(documented, value).get("outputs")).get("p"));

            // A latest version that is another schema: a clear error, nothing written with a wrong id.
            registry.register("scores-value", "AVRO",
                    "{\"type\":\"record\",\"name\":\"Prediction\",\"namespace\":\"io.inferstream\",\"fields\":[]}");
            AvroPredictionEncoder mismatched = new AvroPredictionEncoder(client, "scores", EngineConfig.SUBJECT_TOPIC,
                    AvroPredictionEncoder.SchemaChoice.LATEST, "io.inferstream.Prediction");
            IllegalStateException other = assertThrows(IllegalStateException.class,
                    () -> mismatched.encode(PREDICTION, MODEL, null));
            assertTrue(other.getMessage().contains("is not the predictions' schema"), other.getMessage());
        }
    }

    @Test
    void useLatestVersionWaitsWhileTheRegistryMisanswersForTheLatestSchemasReference() {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            registry.register("io.inferstream.Outputs", "AVRO", "{\"type\":\"record\",\"name\":\"Outputs\","
                    + "\"namespace\":\"io.inferstream\",\"fields\":[{\"name\":\"p\",\"type\":{\"type\":\"array\","
                    + "\"items\":\"float\"}}]}");
            registry.register("scores-value", "AVRO", "{\"type\":\"record\",\"name\":\"Prediction\",\"namespace\":"
                    + "\"io.inferstream\",\"fields\":[{\"name\":\"outputs\",\"type\":\"io.inferstream.Outputs\"}]}",
                    List.of(new SchemaRegistryStandIn.Reference("io.inferstream.Outputs", "io.inferstream.Outputs", 1)));
            registry.misanswer("/subjects/io.inferstream.Outputs/", 500, "application/json",
                    "{\"error_code\":50001,\"message\":\"store\"}");
            AvroPredictionEncoder latest = new AvroPredictionEncoder(client(registry), "scores",
                    EngineConfig.SUBJECT_TOPIC, AvroPredictionEncoder.SchemaChoice.LATEST, "io.inferstream.Prediction");
            // Retriable (the pipeline holds the batch), not the configuration error a wrong latest schema is.
            assertThrows(io.inferstream.codec.SchemaUnavailableException.class,
                    () -> latest.encode(PREDICTION, MODEL, null));
            registry.answerCorrectly();
            IllegalStateException other = assertThrows(IllegalStateException.class,
                    () -> latest.encode(PREDICTION, MODEL, null));
            assertTrue(other.getMessage().contains("is not the predictions' schema"), other.getMessage());
        }
    }

    /** @return the schema an encoder derives for {@link #PREDICTION}, registered under a scratch subject */
    private static String derivedSchema(SchemaRegistryClient client) {
        new AvroPredictionEncoder(client, "scratch").encode(PREDICTION, MODEL, null);
        return client.latest("scratch-value").orElseThrow().text();
    }

    @Test
    void theEnginesKeysChooseStrategyRegistrationAndRecordName() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            Map<String, Object> keys = new java.util.HashMap<>(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9",
                    EngineConfig.GROUP_ID, "g", EngineConfig.INPUT_TOPICS, "in", EngineConfig.OUTPUT_TOPIC, "scores",
                    EngineConfig.DEAD_LETTER_TOPIC, "dlt", EngineConfig.OUTPUT_CODEC, "avro",
                    EngineConfig.SCHEMA_REGISTRY_URL, registry.url()));
            keys.put(EngineConfig.OUTPUT_SUBJECT_NAME_STRATEGY, EngineConfig.SUBJECT_TOPIC_RECORD);
            keys.put(EngineConfig.OUTPUT_AVRO_RECORD_NAME, "shop.FraudScore");
            new SchemaCodecs().encoder("avro", new EngineConfig(keys)).encode(PREDICTION, MODEL, null);
            assertTrue(client(registry).latest("scores-shop.FraudScore").isPresent());

            keys.put(EngineConfig.OUTPUT_AUTO_REGISTER_SCHEMAS, false);
            keys.put(EngineConfig.OUTPUT_AVRO_RECORD_NAME, "shop.Other");
            var lookUp = new SchemaCodecs().encoder("avro", new EngineConfig(keys));
            assertThrows(IllegalStateException.class, () -> lookUp.encode(PREDICTION, MODEL, null));

            keys.put(EngineConfig.OUTPUT_AVRO_RECORD_NAME, "not a name");
            assertThrows(IllegalArgumentException.class, () -> new SchemaCodecs().encoder("avro", new EngineConfig(keys)));
        }
    }
}
