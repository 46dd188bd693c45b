package io.inferstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.MalformedRecordException;
import io.inferstream.codec.SchemaUnavailableException;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * The Avro reader's mapping rules, framings and errors, on bodies written by Avro's own Java writer (the end-to-end
 * tests use Python's writers): every value compared with what was written.
 */
class AvroRecordDecoderTest {
    private static final Schema TXN = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Txn\",\"namespace\":\"shop\","
            + "\"fields\":["
            + "{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"image\",\"type\":{\"type\":\"array\",\"items\":\"float\"}},"
            + "{\"name\":\"payment\",\"type\":{\"type\":\"record\",\"name\":\"Payment\",\"fields\":["
            + "  {\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}},"
            + "  {\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":\"string\"}},"
            + "  {\"name\":\"currency\",\"type\":{\"type\":\"enum\",\"name\":\"Currency\",\"symbols\":[\"EUR\",\"USD\"]}}]}},"
            + "{\"name\":\"discount\",\"type\":[\"null\",\"double\"],\"default\":null},"
            + "{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
            + "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
            + "{\"name\":\"count\",\"type\":\"int\"}]}");

    /** A model with a tensor input fed by an array, scalars fed by nested, nullable, logical and enum fields. */
    private static final ModelInfo MODEL = ModelInfo.builder("test").name("m").version("1")
            .input(FieldSpec.tensor("image", DataType.FLOAT, 4))
            .input(FieldSpec.scalar("amount", DataType.DOUBLE))
            .input(FieldSpec.scalar("currency", DataType.STRING))
            .input(FieldSpec.scalar("discount", DataType.DOUBLE))
            .input(FieldSpec.scalar("day", DataType.DOUBLE))
            .input(FieldSpec.scalar("at", DataType.INT64))
            .input(FieldSpec.scalar("count", DataType.FLOAT))
            .output(FieldSpec.tensor("p", DataType.FLOAT, 2))
            .build();

    private static final Map<String, String> PATHS = Map.of("amount", "payment.amount", "currency", "payment.currency");

    private static InputTargets targets() {
        return new InputTargets(MODEL, PATHS, Map.of(), false);
    }

    static byte[] body(Schema schema, GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
            GenericData data = new GenericData();
            data.addLogicalTypeConversion(new Conversions.DecimalConversion());
            new GenericDatumWriter<GenericRecord>(schema, data).write(record, e);
            e.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] framed(int id, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(id).put(body).array();
    }

    private static GenericRecord txn(Double discount) {
        Schema payment = TXN.getField("payment").schema();
        GenericRecord p = new GenericData.Record(payment);
        p.put("amount", new BigDecimal("1234.56"));
        p.put("tags", Map.of("shop", "berlin", "channel", "web"));
        p.put("currency", new GenericData.EnumSymbol(payment.getField("currency").schema(), "USD"));
        GenericRecord r = new GenericData.Record(TXN);
        r.put("id", "t-1");
        r.put("image", List.of(0.5f, -1.25f, 3f, 1e-3f));
        r.put("payment", p);
        r.put("discount", discount);
        r.put("day", 19_000);
        r.put("at", 1_700_000_000_123L);
        r.put("count", 7);
        return r;
    }

    @Test
    void fieldsFeedInputsByNameAndDottedPathWithLogicalTypesAsNumbers() throws Exception {
        AvroRecordDecoder decoder = AvroRecordDecoder.binary(targets(), TXN, "txn.avsc");
        Features row = decoder.decode(body(TXN, txn(0.1)));
        assertArrayEquals(new float[] {0.5f, -1.25f, 3f, 1e-3f}, row.get("image").asFloats());
        assertArrayEquals(new long[] {4}, row.get("image").shape());
        assertEquals(1234.56, row.get("amount").getDouble(0), 1e-9);
        assertEquals("USD", row.get("currency").asStrings()[0]);
        assertEquals(0.1, row.get("discount").getDouble(0));
        assertEquals(19_000.0, row.get("day").getDouble(0));
        assertArrayEquals(new long[] {1_700_000_000_123L}, row.get("at").asLongs(), "a long stays exact");
        assertEquals(7f, row.get("count").asFloats()[0]);
    }

    @Test
    void aNullInANullableUnionLeavesTheInputMissing() throws Exception {
        Features row = AvroRecordDecoder.binary(targets(), TXN, "txn.avsc").decode(body(TXN, txn(null)));
        assertFalse(row.has("discount"));
        assertTrue(row.has("count"));
    }

    @Test
    void aSchemaThatCannotFeedTheModelIsAConfigurationErrorNamingTheField() {
        Schema lacking = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Old\",\"fields\":["
                + "{\"name\":\"image\",\"type\":{\"type\":\"array\",\"items\":\"float\"}},"
                + "{\"name\":\"count\",\"type\":{\"type\":\"array\",\"items\":\"int\"}}]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AvroRecordDecoder.binary(targets(), lacking, "old.avsc"));
        assertTrue(e.getMessage().contains("no field 'payment.amount' (input 'amount'"), e.getMessage());
        assertTrue(e.getMessage().contains("field 'count' (input 'count', float) is an array of int"), e.getMessage());
        assertTrue(e.getMessage().contains("old.avsc"), e.getMessage());
    }

    @Test
    void registryRecordsOfSeveralSchemaVersionsAreAllReadAndEachSchemaIsFetchedOnce() throws Exception {
        // v2 adds a field and moves one; v3 drops the map the model never read.
        Schema v2 = new Schema.Parser().parse(TXN.toString().replace("{\"name\":\"count\",\"type\":\"int\"}",
                "{\"name\":\"count\",\"type\":\"int\"},{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}")
                .replace("\"name\":\"Txn\"", "\"name\":\"Txn\",\"doc\":\"v2\""));
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            int id1 = registry.register("txn-value", "AVRO", TXN.toString());
            int id2 = registry.register("txn-value", "AVRO", v2.toString());
            AvroRecordDecoder decoder = AvroRecordDecoder.registry(targets(), client(registry));
            GenericRecord r2 = new GenericData.Record(v2);
            GenericRecord r1 = txn(2.0);
            for (Schema.Field f : TXN.getFields()) {
                r2.put(f.name(), r1.get(f.name()));
            }
            r2.put("note", "second version");
            for (int i = 0; i < 5; i++) {
                assertEquals(2.0, decoder.decode(framed(id1, body(TXN, r1))).get("discount").getDouble(0));
                assertEquals(7f, decoder.decode(framed(id2, body(v2, r2))).get("count").asFloats()[0]);
            }
            assertEquals(2, registry.requests(), "one lookup per schema id, then the cache");
        }
    }

    private static SchemaRegistryClient client(SchemaRegistryStandIn registry) {
        return new SchemaRegistryClient(registry.url(), "", null, Duration.ofSeconds(5));
    }

    @Test
    void badRecordsAreDecodeErrorsInTheUsersTerms() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            int id = registry.register("txn-value", "AVRO", TXN.toString());
            int other = registry.register("other-value", "AVRO",
                    "{\"type\":\"record\",\"name\":\"Other\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}");
            AvroRecordDecoder decoder = AvroRecordDecoder.registry(targets(), client(registry));
            byte[] good = framed(id, body(TXN, txn(1.0)));

            assertMessage(MalformedRecordException.class, "wrong magic byte 0x7B", decoder,
                    "{\"image\":[1,2,3,4]}".getBytes());
            assertMessage(MalformedRecordException.class, "fewer than the 5 of the schema-registry header", decoder,
                    new byte[] {0, 0, 1});
            assertMessage(MalformedRecordException.class, "unknown schema id 99", decoder, framed(99, body(TXN, txn(1.0))));
            assertMessage(MalformedRecordException.class, "writer schema id " + id + " shop.Txn: the Avro body ends",
                    decoder, Arrays.copyOf(good, good.length - 3));
            byte[] longer = Arrays.copyOf(good, good.length + 2);
            assertMessage(MalformedRecordException.class, "2 byte(s) longer than its schema", decoder, longer);
            assertMessage(InvalidInputException.class, "writer schema id " + other + " Other cannot feed the model: it "
                    + "has no field 'image'", decoder, framed(other, new byte[] {2}));
            assertMessage(MalformedRecordException.class, "set input.avro.encoding=single-object", decoder,
                    new byte[] {(byte) 0xC3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            // A NaN in the image: the field and the schema are named.
            GenericRecord nan = txn(1.0);
            nan.put("image", List.of(1f, Float.NaN, 0f, 0f));
            InvalidInputException e = assertThrows(InvalidInputException.class,
                    () -> decoder.decode(framed(id, body(TXN, nan))));
            assertEquals("image", e.field());
            assertTrue(e.getMessage().contains("NaN is not allowed") && e.getMessage().contains("writer schema id " + id),
                    e.getMessage());
        }
    }

    private static void assertMessage(Class<? extends InvalidInputException> type, String part, AvroRecordDecoder decoder,
            byte[] value) {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> decoder.decode(value));
        assertInstanceOf(type, e, e.getMessage());
        assertTrue(e.getMessage().contains(part), () -> "'" + e.getMessage() + "' should say '" + part + "'");
    }

    @Test
    void aRegistryThatCannotAnswerIsNotTheRecordsFault() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            int id = registry.register("txn-value", "AVRO", TXN.toString());
            AvroRecordDecoder decoder = AvroRecordDecoder.registry(targets(), client(registry));
            registry.outage(true);
            SchemaUnavailableException down = assertThrows(SchemaUnavailableException.class,
                    () -> decoder.decode(framed(id, body(TXN, txn(1.0)))));
            assertTrue(down.getMessage().contains("HTTP 503"), down.getMessage());
            registry.outage(false);
            assertEquals(7f, decoder.decode(framed(id, body(TXN, txn(1.0)))).get("count").asFloats()[0]);

            registry.requireBasicAuth("svc", "s3cret");
            AvroRecordDecoder withoutCredentials = AvroRecordDecoder.registry(targets(), client(registry));
            assertThrows(SchemaUnavailableException.class,
                    () -> withoutCredentials.decode(framed(id, body(TXN, txn(1.0)))));
            AvroRecordDecoder withCredentials = AvroRecordDecoder.registry(targets(),
                    new SchemaRegistryClient(registry.url(), "svc:s3cret", null, Duration.ofSeconds(5)));
            assertEquals(7f, withCredentials.decode(framed(id, body(TXN, txn(1.0)))).get("count").asFloats()[0]);
        }
        // Nothing listening at all.
        AvroRecordDecoder nowhere = AvroRecordDecoder.registry(targets(),
                new SchemaRegistryClient("http://127.0.0.1:1", "", null, Duration.ofSeconds(2)));
        assertThrows(SchemaUnavailableException.class, () -> nowhere.decode(framed(1, new byte[] {0})));
    }

    @Test
    void singleObjectRecordsNameTheirSchemaByFingerprint() throws Exception {
        AvroRecordDecoder decoder = AvroRecordDecoder.singleObject(targets(), Map.of(TXN, "txn.avsc"));
        byte[] body = body(TXN, txn(3.0));
        long fingerprint = SchemaNormalization.parsingFingerprint64(TXN);
        byte[] value = ByteBuffer.allocate(10 + body.length).put((byte) 0xC3).put((byte) 1)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(fingerprint).put(body).array();
        assertEquals(3.0, decoder.decode(value).get("discount").getDouble(0));
        value[4] ^= 1;
        assertMessage(MalformedRecordException.class, "unknown schema fingerprint", decoder, value);
    }

    @Test
    void joinedFieldsFillOneTensorInputInOrder() throws Exception {
        ModelInfo vector = ModelInfo.builder("test").name("v").version("1")
                .input(FieldSpec.tensor("features", DataType.FLOAT, 3)).output(FieldSpec.scalar("y", DataType.FLOAT))
                .build();
        InputTargets targets = new InputTargets(vector, Map.of(),
                Map.of("features", List.of("count", "payment.amount", "discount")), false);
        AvroRecordDecoder decoder = AvroRecordDecoder.binary(targets, TXN, "txn.avsc");
        assertArrayEquals(new float[] {7f, 1234.56f, 0.25f}, decoder.decode(body(TXN, txn(0.25))).get("features").asFloats());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> decoder.decode(body(TXN, txn(null))));
        assertEquals("discount", e.field());
    }
}
