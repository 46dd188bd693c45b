package io.inferstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import io.inferstream.config.EngineConfig;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.model.FieldSpec;
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
import java.util.List;
import java.util.Map;
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
            org.junit.jupiter.api.Assertions.assertTrue(protoc, "protoc is missing: .ci/run installs protobuf-compiler");
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
            Features row = ProtobufRecordDecoder.registry(targets("total.amount"), client(registry)).decode(value);
            assertArrayEquals(new float[] {0.5f, 4f}, row.get("image").asFloats());
            assertEquals(99.5, row.get("risk").getDouble(0));
        }
    }

    @Test
    void decodersOfOneRegistryShareOneSchemaCache() throws Exception {
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            registry.register("shop.Address", "AVRO", ADDRESS);
            int id = registry.register("txn-value", "AVRO", TXN, List.of(new Reference("shop.Address", "shop.Address", 1)));
            Map<String, Object> keys = new HashMap<>(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9",
                    EngineConfig.GROUP_ID, "g", EngineConfig.INPUT_TOPICS, "unrelated", EngineConfig.OUTPUT_TOPIC, "o",
                    EngineConfig.DEAD_LETTER_TOPIC, "d", EngineConfig.INPUT_CODEC, "avro",
                    EngineConfig.SCHEMA_REGISTRY_URL, registry.url()));
            keys.put("input.field.risk", "home.risk");
            EngineConfig config = new EngineConfig(keys);
            Schema whole = new Schema.Parser().parse(TXN.replace("\"shop.Address\"", ADDRESS));
            GenericRecord home = new GenericData.Record(whole.getField("home").schema());
            home.put("zip", 1);
            home.put("risk", 0.5);
            GenericRecord txn = new GenericData.Record(whole);
            txn.put("image", List.of(1f, 2f));
            txn.put("home", home);
            byte[] value = AvroRecordDecoderTest.framed(id, AvroRecordDecoderTest.body(whole, txn));

            var first = new SchemaCodecs().decoder("avro", config, MODEL); // e.g. a worker's, or model version 1's
            int before = registry.requests();
            assertEquals(0.5, first.decode(value).get("risk").getDouble(0));
            assertEquals(2, registry.requests() - before, "the schema by id and its reference by subject/version");
            var second = new SchemaCodecs().decoder("avro", config, MODEL); // another worker's, or version 2's
            int after = registry.requests();
            assertEquals(0.5, second.decode(value).get("risk").getDouble(0));
            assertEquals(0, registry.requests() - after, "fetched once, however many decoders read it");
        }
    }
}
