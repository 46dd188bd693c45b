package io.inferstream.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.inferstream.config.EngineConfig;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Protobuf records end to end: bare messages described by a descriptor set that Debian's protoc made from
 * {@code src/test/proto/txn.proto}, and the registry's wire format written by Confluent's own Python serializer
 * (which registers the schema through the registry stand-in). Messages are built by python3-protobuf from the
 * classes protoc generates, so no Java Protobuf code writes them.
 */
class ProtobufEngineEndToEndTest extends SchemaEngineTestSupport {
    private Path descriptorSet;

    @BeforeEach
    void compileTheProto() throws Exception {
        descriptorSet = dir.resolve("txn.desc");
        Process p;
        try {
            p = new ProcessBuilder("protoc", "--proto_path=src/test/proto", "--include_imports",
                    "--descriptor_set_out=" + descriptorSet, "--python_out=" + dir, "txn.proto").inheritIO().start();
        } catch (java.io.IOException e) {
            assumeTrue(System.getenv("CI") == null, "protoc is missing: .ci/run installs protobuf-compiler");
            assumeTrue(false, "protoc (Debian's protobuf-compiler) is not installed");
            return;
        }
        assertEquals(true, p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "protoc failed");
    }

    private ObjectNode spec(Topics topics, String encoding, String registry, double[][] rows) {
        ObjectNode spec = JSON.createObjectNode().put("bootstrap", KAFKA.broker().bootstrapServers())
                .put("topic", topics.input).put("encoding", encoding).put("registry", registry)
                .put("module_dir", dir.toString());
        ArrayNode records = spec.putArray("records");
        for (int i = 0; i < rows.length; i++) {
            ObjectNode v = JSON.createObjectNode().put("id", "t-" + i);
            v.putObject("txn").put("f0", rows[i][0]).put("f1", (float) rows[i][1]);
            v.put("f2", (int) rows[i][2]).put("f3", rows[i][3]);
            v.putArray("tags").add("web");
            records.addObject().put("key", "k-" + i).set("value", v);
        }
        spec.putArray("raw");
        return spec;
    }

    private static Map<String, Object> properties(Topics topics) {
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.INPUT_CODEC, "protobuf");
        props.put(EngineConfig.INPUT_CONCAT_PREFIX + "features", "txn.f0,txn.f1,f2,f3");
        props.put(EngineConfig.MODEL_CLASS_LABELS, String.join(",", ReferenceClassifier.LABELS));
        return props;
    }

    @Test
    void bareMessagesDescribedByADescriptorSet() throws Exception {
        Topics topics = new Topics("proto-binary");
        double[][] rows = samples(150, 51);
        ObjectNode spec = spec(topics, "binary", "", rows);
        // f3 is optional: a message without it cannot fill the joined input. Then bytes that are no Txn at all.
        ObjectNode noF3 = JSON.createObjectNode().put("id", "x");
        noF3.putObject("txn").put("f0", 1.0).put("f1", 2.0f);
        ((ArrayNode) spec.get("records")).addObject().put("key", "bad-no-f3").set("value", noF3);
        ((ArrayNode) spec.get("raw")).addObject().put("key", "bad-bytes").put("hex", "0aff01");
        assertEquals(rows.length + 2, write(spec, "write_protobuf.py"));

        Map<String, Object> props = properties(topics);
        props.put(EngineConfig.INPUT_PROTOBUF_DESCRIPTOR_SET, descriptorSet.toString());
        props.put(EngineConfig.INPUT_PROTOBUF_MESSAGE, "shop.Txn");
        Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
        assertPredictionsLikeJson(rows, run(topics, props, reference(), rows.length + 2, 2, dead));
        assertDead(dead, "bad-no-f3", DeadLetterHeaders.STAGE_VALIDATE, "'f3'");
        assertDead(dead, "bad-bytes", DeadLetterHeaders.STAGE_DECODE, "not a shop.Txn message");
    }

    @Test
    void registryFramedMessagesWrittenByConfluentsSerializer() throws Exception {
        Topics topics = new Topics("proto-registry");
        double[][] rows = samples(150, 52);
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            ObjectNode spec = spec(topics, "registry", registry.url(), rows);
            ((ArrayNode) spec.get("raw")).addObject().put("key", "bad-unknown-id").put("hex", "000000002a00" + "0801");
            assertEquals(rows.length + 1, write(spec, "write_protobuf.py"));
            Map<String, Object> props = properties(topics);
            props.put(EngineConfig.INPUT_PROTOBUF_ENCODING, "registry");
            props.put(EngineConfig.SCHEMA_REGISTRY_URL, registry.url());
            Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
            assertPredictionsLikeJson(rows, run(topics, props, reference(), rows.length + 1, 1, dead));
            assertDead(dead, "bad-unknown-id", DeadLetterHeaders.STAGE_DECODE, "unknown schema id 42");
            assertEquals("000000002a000801".length() / 2, dead.get("bad-unknown-id").value().length,
                    "the dead letter keeps the original bytes");
        }
    }
}
