package io.inferstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.inferstream.codec.SchemaUnavailableException;
import io.inferstream.data.DataType;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;

/**
 * Avro predictions read back with Avro's own Java reader and the schema the registry holds: every field as written,
 * output names made valid Avro names, the schema registered once under {@code <topic>-value}; a registry that is down
 * when the schema must be registered is a retriable failure, not a lost prediction.
 */
class AvroPredictionEncoderTest {
    private static final ModelInfo MODEL = ModelInfo.builder("test").name("clf").version("7")
            .input(FieldSpec.tensor("x", DataType.FLOAT, 2)).output(FieldSpec.tensor("dense/Softmax:0", DataType.FLOAT, 3))
            .build();

    private static Prediction prediction() {
        return Prediction.builder()
                .output("dense/Softmax:0", Tensor.ofFloats(new float[] {0.1f, 0.7f, 0.2f}, 3))
                .output("rank", Tensor.ofLongs(new long[] {1, 2, 3, 4}, 2, 2))
                .output("name", Tensor.scalar("b"))
                .label("b").probability("a", 0.1).probability("b", 0.7).probability("c", 0.2).build();
    }

    private static GenericRecord read(Schema schema, byte[] value, int offset) throws Exception {
        return new GenericDatumReader<GenericRecord>(schema).read(null,
                DecoderFactory.get().binaryDecoder(value, offset, value.length - offset, null));
    }

    @Test
    void predictionsRegisteredUnderTheTopicSubjectReadBackByAvrosReader() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            SchemaRegistryClient client = new SchemaRegistryClient(registry.url(), "", null, Duration.ofSeconds(5));
            AvroPredictionEncoder encoder = new AvroPredictionEncoder(client, "scored");
            byte[] first = encoder.encode(prediction(), MODEL, "user-1".getBytes(StandardCharsets.UTF_8));
            byte[] second = encoder.encode(prediction(), MODEL, new byte[] {(byte) 0xff, 0});
            RegisteredSchema latest = client.latest("scored-value").orElseThrow();
            assertEquals(1, latest.version(), "one schema for predictions of one shape");
            assertEquals(0, first[0]);
            assertEquals(latest.id(), ByteBuffer.wrap(first, 1, 4).getInt());
            Schema schema = new Schema.Parser().parse(latest.text());

            GenericRecord r = read(schema, first, 5);
            assertEquals("user-1", r.get("key").toString());
            assertNull(r.get("key_b64"));
            assertEquals("clf", r.get("model").toString());
            assertEquals("7", r.get("version").toString());
            GenericRecord outputs = (GenericRecord) r.get("outputs");
            assertEquals(List.of(0.1f, 0.7f, 0.2f), outputs.get("dense_Softmax_0"));
            assertEquals("dense/Softmax:0", schema.getField("outputs").schema().getField("dense_Softmax_0").doc());
            assertEquals(List.of(List.of(1L, 2L), List.of(3L, 4L)), outputs.get("rank"));
            assertEquals("b", outputs.get("name").toString());
            assertEquals("b", r.get("label").toString());
            @SuppressWarnings("unchecked")
            Map<Object, Object> probabilities = (Map<Object, Object>) r.get("probabilities");
            assertEquals(0.7, probabilities.get(new org.apache.avro.util.Utf8("b")));

            GenericRecord binaryKey = read(schema, second, 5);
            assertNull(binaryKey.get("key"));
            assertEquals("/wA=", binaryKey.get("key_b64").toString());
        }
    }

    @Test
    void withoutARegistryPredictionsUseTheSingleObjectEncoding() throws Exception {
        byte[] value = new AvroPredictionEncoder(null, "scored").encode(prediction(), MODEL, null);
        assertArrayEquals(new byte[] {(byte) 0xC3, 1}, Arrays.copyOf(value, 2));
        long fingerprint = ByteBuffer.wrap(value, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        GenericRecord r;
        // The fingerprint names the schema the encoder derives, which a registry-backed encoder registers.
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            SchemaRegistryClient client = new SchemaRegistryClient(registry.url(), "", null, Duration.ofSeconds(5));
            new AvroPredictionEncoder(client, "t").encode(prediction(), MODEL, null);
            Schema schema = new Schema.Parser().parse(client.latest("t-value").orElseThrow().text());
            assertEquals(SchemaNormalization.parsingFingerprint64(schema), fingerprint);
            r = read(schema, value, 10);
        }
        assertNull(r.get("key"));
        assertEquals("clf", r.get("model").toString());
        assertEquals(List.of(0.1f, 0.7f, 0.2f), ((GenericRecord) r.get("outputs")).get("dense_Softmax_0"));
    }

    @Test
    void aRegistryThatIsDownWhenTheSchemaMustBeRegisteredIsRetriable() {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            registry.outage(true);
            AvroPredictionEncoder encoder = new AvroPredictionEncoder(
                    new SchemaRegistryClient(registry.url(), "", null, Duration.ofSeconds(5)), "scored");
            assertThrows(SchemaUnavailableException.class, () -> encoder.encode(prediction(), MODEL, null));
            registry.outage(false);
            assertEquals(0, encoder.encode(prediction(), MODEL, null)[0], "registered once the registry is back");
        }
    }
}
