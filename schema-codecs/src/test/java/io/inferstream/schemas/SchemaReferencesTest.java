package io.inferstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import io.inferstream.codec.SchemaUnavailableException;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
import io.inferstream.testkit.registry.SchemaRegistryStandIn.Reference;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writer schemas that reference others in the registry ({@code references}: name, subject, version), as Confluent's
 * serializers register them: an Avro record whose field is a named type registered under its own subject, and a
 * Protobuf file that imports another registered file. The decoders fetch the references by subject and version and
 * read every value as written. Also: decoders made from one engine configuration share one registry cache.
 */
class SchemaReferencesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADDRESS = "{\"type\":\"record\",\"name\":\"Address\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"zip\",\"type\":\"int\"},{\"name\":\"risk\",\"type\":\"double\"}]}";
    /** Names shop.Address without defining it: only readable with the reference. */
    private static final String TXN = "{\"type\":\"record\",\"name\":\"Txn\",\"namespace\":\"shop\",\"fields\":["
            + "{\"name\":\"image\",\"type\":{\"type\":\"array\",\"items\":\"float\"}},"
            + "{\"name\":\"home\",\"type\":\"shop.Address\"}]}";

    private static final ModelInfo MODEL = ModelInfo.builder("test").name("m").version("1")
            .input(FieldSpec.tensor("image", DataType.FLOAT, 2))
            .input(FieldSpec.scalar("risk", DataType.DOUBLE))
            .output(FieldSpec.scalar("y", DataType.FLOAT)).build();

    @TempDir
    Path dir;

    private static SchemaRegistryClient client(SchemaRegistryStandIn registry) {
        return new SchemaRegistryClient(registry.url(), "", null, Duration.ofSeconds(5));
    }

    private static InputTargets targets(String riskPath) {
        return new InputTargets(MODEL, Map.of("risk", riskPath), Map.of(), false);
    }

    @Test
    void anAvroWriterSchemaThatNamesATypeOfAnotherSubjectIsRead() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            registry.register("shop.Address", "AVRO", ADDRESS);
            int id = registry.register("txn-value", "AVRO", TXN, List.of(new Reference("shop.Address", "shop.Address", 1)));

            // The answer's shape, as the API reference shows GET /schemas/ids/{id} of a schema with references.
            JsonNode answer = JSON.readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(registry.url() + "/schemas/ids/" + id)).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertEquals(TXN, answer.path("schema").asText());
            assertEquals(JSON.readTree("[{\"name\":\"shop.Address\",\"subject\":\"shop.Address\",\"version\":1}]"),
                    answer.path("references"));

            // The body, written by Avro's own writer with the schema whole (Address defined inline).
            Schema whole = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Txn\",\"namespace\":\"shop\","
                    + "\"fields\":[{\"name\":\"image\",\"type\":{\"type\":\"array\",\"items\":\"float\"}},"
                    + "{\"name\":\"home\",\"type\":" + ADDRESS + "}]}");
            GenericRecord home = new GenericData.Record(whole.getField("home").schema());
            home.put("zip", 10115);
            home.put("risk", 0.375);
            GenericRecord txn = new GenericData.Record(whole);
            txn.put("image", List.of(1.5f, -2f));
            txn.put("home", home);
            byte[] value = AvroRecordDecoderTest.framed(id, AvroRecordDecoderTest.body(whole, txn));

            Features row = AvroRecordDecoder.registry(targets("home.risk"), client(registry)).decode(value);
            assertArrayEquals(new float[] {1.5f, -2f}, row.get("image").asFloats());
            assertEquals(0.375, row.get("risk").getDouble(0));
        }
    }

    @Test
    void aProtobufSchemaThatImportsAnotherRegisteredFileIsRead() throws Exception {
        Path proto = dir.resolve("proto");
        Files.createDirectories(proto.resolve("common"));
        String money = "syntax = \"proto3\";\npackage common;\nmessage Money { double amount = 1; string currency = 2; }\n";
        String payment = "syntax = \"proto3\";\npackage shop;\nimport \"common/money.proto\";\n"
                + "message Payment { repeated float image = 1; common.Money total = 2; }\n";
        Files.writeString(proto.resolve("common/money.proto"), money);
        Files.writeString(proto.resolve("payment.proto"), payment);
        Path set = dir.resolve("payment.desc");
        boolean protoc;
        try {
            protoc = new ProcessBuilder("protoc", "--proto_path=" + proto, "--include_imports",
                    "--descriptor_set_out=" + set, "payment.proto").inheritIO().start().waitFor() == 0;
        } catch (java.io.IOException e) {
            protoc = false;
        }
        if (System.getenv("CI") != null) {
            assertTrue(protoc, "protoc is missing: .ci/run installs protobuf-compiler");
        }
        assumeTrue(protoc, "protoc (Debian's protobuf-compiler) is not installed");

        // The message, written by protobuf-java's DynamicMessage from protoc's own descriptors.
        FileDescriptorSet files = FileDescriptorSet.parseFrom(Files.readAllBytes(set));
        FileDescriptor moneyFile = FileDescriptor.buildFrom(files.getFile(0), new FileDescriptor[0]);
        FileDescriptor paymentFile = FileDescriptor.buildFrom(files.getFile(1), new FileDescriptor[] {moneyFile});
        Descriptor type = paymentFile.findMessageTypeByName("Payment");
        Descriptor moneyType = moneyFile.findMessageTypeByName("Money");
        byte[] body = DynamicMessage.newBuilder(type)
                .addRepeatedField(type.findFieldByName("image"), 0.5f)
                .addRepeatedField(type.findFieldByName("image"), 4f)
                .setField(type.findFieldByName("total"), DynamicMessage.newBuilder(moneyType)
                        .setField(moneyType.findFieldByName("amount"), 99.5).build())
                .build().toByteArray();

        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            registry.register("common/money.proto", "PROTOBUF", money);
            int id = registry.register("payments-value", "PROTOBUF", payment,
                    List.of(new Reference("common/money.proto", "common/money.proto", 1)));
            // Byte 0, the id, the message indexes [0] written as the single byte 0, the message.
            byte[] value = ByteBuffer.allocate(6 + body.length).put((byte) 0).putInt(id).put((byte) 0).put(body).array();
            ProtobufRecordDecoder decoder = ProtobufRecordDecoder.registry(targets("total.amount"), client(registry));
            // The import's subject failing first: the record waits (retriable), nothing is cached for the id.
            registry.misanswer("/subjects/common%2Fmoney.proto/", 503, "application/json",
                    "{\"error_code\":50003,\"message\":\"forwarding\"}");
            assertThrows(SchemaUnavailableException.class, () -> decoder.decode(value));
            registry.answerCorrectly();
            Features row = decoder.decode(value);
            assertArrayEquals(new float[] {0.5f, 4f}, row.get("image").asFloats());
            assertEquals(99.5, row.get("risk").getDouble(0));
        }
    }

    @Test
    void aReferenceTheRegistryMisanswersHoldsTheRecordAndIsAskedAgainNotCachedAsUnfit() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            int id = registerTxn(registry);
            byte[] value = txnValue(id, 0.25);
            AvroRecordDecoder decoder = AvroRecordDecoder.registry(targets("home.risk"), client(registry));

            // Each answer says nothing about the schema: the record is not at fault, the batch must wait.
            String reference = "/subjects/shop.Address/versions";
            registry.misanswer(reference, 500, "application/json", "{\"error_code\":50001,\"message\":\"store\"}");
            assertUnavailable(decoder, value, "HTTP 500");
            registry.misanswer(reference, 200, "text/html", "<html>maintenance</html>");
            assertUnavailable(decoder, value, "not JSON");
            registry.misanswer(reference, 200, "application/json", "{\"subject\":\"shop.Address\",\"version\":1}");
            assertUnavailable(decoder, value, "no id or version");
            registry.misanswer(reference, 200, "application/json",
                    "{\"subject\":\"shop.Address\",\"version\":1,\"id\":1}");
            assertUnavailable(decoder, value, "no schema text");
            registry.misanswer(reference, 400, "application/json", "{\"error_code\":400,\"message\":\"bad\"}");
            assertUnavailable(decoder, value, "unexpected HTTP 400");
            registry.misanswer(reference, 404, "text/html", "<html>no route</html>"); // a proxy's, not the registry's
            assertUnavailable(decoder, value, "HTTP 404");

            registry.answerCorrectly();
            assertEquals(0.25, decoder.decode(value).get("risk").getDouble(0), "read once the registry answers");
        }
    }

    @Test
    void aReferenceTheRegistryDefinitivelyLacksMakesTheRecordADecodeError() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            int id = registerTxn(registry);
            byte[] value = AvroRecordDecoderTest.framed(id, new byte[] {4, 0, 0, 0, 0});
            // The registry's own 404 for the version (error code 40402): definitive, the record can be dead-lettered.
            registry.misanswer("/subjects/shop.Address/versions", 404, "application/vnd.schemaregistry.v1+json",
                    "{\"error_code\":40402,\"message\":\"Version 1 not found.\"}");
            var e = assertThrows(InvalidInputException.class,
                    () -> AvroRecordDecoder.registry(targets("home.risk"), client(registry)).decode(value));
            assertTrue(e.getMessage().contains("references shop.Address as subject "
                    + "shop.Address version 1, which schema registry"), e.getMessage());
        }
    }

    /** Registers Address under its own subject and Txn, which references it, under txn-value; @return Txn's id */
    private static int registerTxn(SchemaRegistryStandIn registry) {
        registry.register("shop.Address", "AVRO", ADDRESS);
        return registry.register("txn-value", "AVRO", TXN, List.of(new Reference("shop.Address", "shop.Address", 1)));
    }

    /** Engine keys of Avro records through this registry, {@code risk} read from {@code home.risk}. */
    private static EngineConfig decoderConfig(SchemaRegistryStandIn registry) {
        Map<String, Object> keys = new HashMap<>(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9",
                EngineConfig.GROUP_ID, "g", EngineConfig.INPUT_TOPICS, "unrelated", EngineConfig.OUTPUT_TOPIC, "o",
                EngineConfig.DEAD_LETTER_TOPIC, "d", EngineConfig.INPUT_CODEC, "avro",
                EngineConfig.SCHEMA_REGISTRY_URL, registry.url()));
        keys.put("input.field.risk", "home.risk");
        return new EngineConfig(keys);
    }

    /** A Txn of risk {@code risk} in the registry framing with this id, written by Avro's writer (Address inline). */
    private static byte[] txnValue(int id, double risk) {
        Schema whole = new Schema.Parser().parse(TXN.replace("\"shop.Address\"", ADDRESS));
        GenericRecord home = new GenericData.Record(whole.getField("home").schema());
        home.put("zip", 1);
        home.put("risk", risk);
        GenericRecord txn = new GenericData.Record(whole);
        txn.put("image", List.of(1f, 2f));
        txn.put("home", home);
        return AvroRecordDecoderTest.framed(id, AvroRecordDecoderTest.body(whole, txn));
    }

    private static void assertUnavailable(AvroRecordDecoder decoder, byte[] value, String reason) {
        var e = assertThrows(SchemaUnavailableException.class,
                () -> decoder.decode(value), "retriable: " + reason);
        assertTrue(e.getMessage().contains(reason),
                "'" + e.getMessage() + "' should say '" + reason + "'");
    }

    @Test
    void decodersOfOneRegistryShareOneSchemaCache() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            int id = registerTxn(registry);
            EngineConfig config = decoderConfig(registry);
            byte[] value = txnValue(id, 0.5);

            var first = new SchemaCodecs().decoder("avro", config, MODEL); // e.g. a worker's, or model version 1's
            int before = registry.requests();
            assertEquals(0.5, first.decode(value).get("risk").getDouble(0));
            assertEquals(2, registry.requests() - before, "the schema by id and its reference by subject/version");
            var second = new SchemaCodecs().decoder("avro", config, MODEL); // another worker's, or version 2's
            int after = registry.requests();
            assertEquals(0.5, second.decode(value).get("risk").getDouble(0));
            assertEquals(0, registry.requests() - after, "fetched once, however many decoders read it");
            java.lang.ref.Reference.reachabilityFence(first); // clients are shared among decoders alive together
        }
    }

    @Test
    void aRegistryClientIsReleasedWithTheLastDecoderThatUsesIt() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            int id = registerTxn(registry);
            EngineConfig config = decoderConfig(registry);
            Set<Thread> selectorsBefore = selectorThreads();
            Thread selector = readOnceAndForget(config, txnValue(id, 0.5));
            assertTrue(!selectorsBefore.contains(selector), "the client's own HTTP selector thread");
            assertTrue(selector.isAlive(), "alive while its decoder was");

            // No decoder holds the client now: it is collected, its entry forgotten, and the JDK's HTTP client ends
            // its selector thread (whose context class loader would otherwise be pinned).
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while ((RegistryClients.alive(registry.url()) || selector.isAlive()) && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(100);
            }
            assertTrue(!RegistryClients.alive(registry.url()), "the client is released with its last decoder");
            assertTrue(!selector.isAlive(), "the client's HTTP selector thread has ended");
            assertTrue(selector.getContextClassLoader() == null
                    || selector.getContextClassLoader() == SchemaRegistryClient.class.getClassLoader(),
                    "the selector thread never held the caller's class loader");

            // A decoder made later gets a new client and reads as before.
            var later = new SchemaCodecs().decoder("avro", config, MODEL);
            int before = registry.requests();
            assertEquals(0.5, later.decode(txnValue(id, 0.5)).get("risk").getDouble(0));
            assertEquals(2, registry.requests() - before, "a new client fetches the schema and its reference again");
        }
    }

    /**
     * Reads one record with a decoder made from the configuration, under a context class loader of its own (as a
     * Flink task's user-code loader), then drops the decoder.
     *
     * @return the HTTP selector thread of the decoder's registry client
     */
    private static Thread readOnceAndForget(EngineConfig config, byte[] value) throws Exception {
        Set<Thread> before = selectorThreads();
        Thread current = Thread.currentThread();
        ClassLoader callers = current.getContextClassLoader();
        current.setContextClassLoader(new java.net.URLClassLoader(new java.net.URL[0], callers));
        try {
            var decoder = new SchemaCodecs().decoder("avro", config, MODEL);
            assertEquals(0.5, decoder.decode(value).get("risk").getDouble(0));
            assertTrue(RegistryClients.alive(config.getString(EngineConfig.SCHEMA_REGISTRY_URL)));
        } finally {
            current.setContextClassLoader(callers);
        }
        Set<Thread> made = selectorThreads();
        made.removeAll(before);
        assertEquals(1, made.size(), "one new registry client, one selector thread: " + made);
        return made.iterator().next();
    }

    private static Set<Thread> selectorThreads() {
        Set<Thread> threads = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager")) {
                threads.add(t);
            }
        }
        return threads;
    }
}
