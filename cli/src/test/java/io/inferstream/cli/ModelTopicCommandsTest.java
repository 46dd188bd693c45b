package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.engine.ModelSources;
import io.inferstream.model.ModelRegistry;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code publish-model}, {@code route} and {@code models} as a user runs them, against a real broker and an engine
 * following the topic: what the engine loads, serves and rejects shows up in {@code models}.
 */
class ModelTopicCommandsTest {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Result publish(String version, Path model) {
        return cli("publish-model", "--bootstrap-servers", KAFKA.broker().bootstrapServers(), "--topic", "models",
                "--name", "fraud", "--version", version, "--model", model.toString());
    }

    @Test
    void publishRouteAndListAsAnEngineServes() throws Exception {
        Path v1 = Files.write(dir.resolve("fraud-v1.onnx"), OnnxModelWriter.denseNetwork(DenseNetwork.random(5, 4, 3, 1)));
        Path v2 = Files.write(dir.resolve("fraud-v2.onnx"), OnnxModelWriter.denseNetwork(DenseNetwork.random(5, 4, 3, 2)));
        Path corrupt = Files.write(dir.resolve("fraud-v3.onnx"), new byte[] {8, 7, 1, 2, 3});

        Result first = publish("1", v1);
        assertEquals(0, first.code(), first.err());
        assertTrue(first.out().contains("created model topic models"), first.out());
        assertTrue(first.out().contains("published fraud version 1 to models: onnx, " + String.format("%,d",
                Files.size(v1)) + " bytes in 1 chunk(s), sha256 "), first.out());
        assertEquals(0, publish("2", v2).code());

        KAFKA.broker().createTopic("cli-in", 1);
        KAFKA.broker().createTopic("cli-out", 1);
        KAFKA.broker().createTopic("cli-dlt", 1);
        Map<String, Object> props = new HashMap<>();
        props.put(EngineConfig.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        props.put(EngineConfig.GROUP_ID, "cli");
        props.put(EngineConfig.INPUT_TOPICS, "cli-in");
        props.put(EngineConfig.OUTPUT_TOPIC, "cli-out");
        props.put(EngineConfig.DEAD_LETTER_TOPIC, "cli-dlt");
        props.put(EngineConfig.MODEL_TOPIC, "models");
        props.put(EngineConfig.MODEL_NAME, "fraud");
        EngineConfig config = new EngineConfig(props);
        try (InferenceEngine engine = InferenceEngine.start(config,
                ModelSources.fromConfig(config, ModelRegistry.discover(), dir))) {
            assertEquals("2", engine.modelInfo().version(), "without a routing the newest version serves");

            Result routed = cli("route", "--bootstrap-servers", KAFKA.broker().bootstrapServers(), "--topic", "models",
                    "--name", "fraud", "--weights", "1=90,2=10");
            assertEquals(0, routed.code(), routed.err());
            assertTrue(routed.out().contains("routed fraud: weights 1=90,2=10"), routed.out());
            awaitServing(engine, 2);

            assertEquals(0, publish("3", corrupt).code());
            // With a routing in force only routed versions load: route to the corrupt one to have it tried.
            Result canary = cli("route", "--bootstrap-servers", KAFKA.broker().bootstrapServers(), "--topic", "models",
                    "--name", "fraud", "--weights", "1=80,2=10,3=10");
            assertEquals(0, canary.code(), canary.err());
            Result missing = cli("route", "--bootstrap-servers", KAFKA.broker().bootstrapServers(), "--topic", "models",
                    "--name", "fraud", "--weights", "1=50,4=50");
            assertEquals(2, missing.code());
            assertTrue(missing.err().contains("model fraud has no version 4 on topic models (published: [1, 2, 3])"),
                    missing.err());
            long deadline = System.currentTimeMillis() + 30_000;
            Result list;
            do {
                Thread.sleep(100);
                list = cli("models", "--bootstrap-servers", KAFKA.broker().bootstrapServers(), "--topic", "models");
            } while (!list.out().contains("rejected") && System.currentTimeMillis() < deadline);
            assertEquals(0, list.code(), list.err());
            // The topic asks for 80/10/10; the engines still serve 90/10, as version 3 was rejected.
            assertTrue(list.out().contains("model fraud: routing weights 1=80,2=10,3=10"), list.out());
            assertTrue(list.out().matches("(?s).*\\n  1 +onnx .* loaded, serving 90% \\[routing: weight 80\\].*"), list.out());
            assertTrue(list.out().matches("(?s).*\\n  2 +onnx .* loaded, serving 10% \\[routing: weight 10\\].*"), list.out());
            assertTrue(list.out().matches("(?s).*\\n  3 +onnx .* rejected: does not load: .*"), list.out());
            assertEquals("weights 1=90,2=10", engine.deployments().peek().get().routing().toString(),
                    "the rejected version changed nothing");
        }
    }

    @Test
    void anEngineWithTrustedKeysServesOnlyVersionsSignedByOne() throws Exception {
        Path signer = dir.resolve("signer.pem");
        Path signerPublic = dir.resolve("signer.pub.pem");
        Path stranger = dir.resolve("stranger.pem");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", signer.toString());
        openssl("pkey", "-in", signer.toString(), "-pubout", "-out", signerPublic.toString());
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", stranger.toString());
        Path v1 = Files.write(dir.resolve("v1.onnx"), OnnxModelWriter.denseNetwork(DenseNetwork.random(5, 4, 3, 1)));
        Path v2 = Files.write(dir.resolve("v2.onnx"), OnnxModelWriter.denseNetwork(DenseNetwork.random(5, 4, 3, 2)));
        Path v3 = Files.write(dir.resolve("v3.onnx"), OnnxModelWriter.denseNetwork(DenseNetwork.random(5, 4, 3, 3)));
        Result signed = signedPublish("1", v1, signer);
        assertEquals(0, signed.code(), signed.err());
        assertTrue(signed.out().contains(", signed with signer.pem"), signed.out());
        Result badKey = signedPublish("9", v1, signerPublic);
        assertEquals(2, badKey.code());
        assertTrue(badKey.err().contains("--sign-key"), badKey.err());

        KAFKA.broker().createTopic("signed-in", 1);
        KAFKA.broker().createTopic("signed-out", 1);
        KAFKA.broker().createTopic("signed-dlt", 1);
        Map<String, Object> props = new HashMap<>();
        props.put(EngineConfig.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        props.put(EngineConfig.GROUP_ID, "signed");
        props.put(EngineConfig.INPUT_TOPICS, "signed-in");
        props.put(EngineConfig.OUTPUT_TOPIC, "signed-out");
        props.put(EngineConfig.DEAD_LETTER_TOPIC, "signed-dlt");
        props.put(EngineConfig.MODEL_TOPIC, "signed-models");
        props.put(EngineConfig.MODEL_NAME, "fraud");
        props.put(EngineConfig.MODEL_TRUSTED_KEYS, signerPublic.getFileName().toString());
        EngineConfig config = new EngineConfig(props);
        try (InferenceEngine engine = InferenceEngine.start(config,
                ModelSources.fromConfig(config, ModelRegistry.discover(), dir))) {
            assertEquals("1", engine.modelInfo().version());
            assertEquals(0, cli("publish-model", "--bootstrap-servers", KAFKA.broker().bootstrapServers(), "--topic",
                    "signed-models", "--name", "fraud", "--version", "2", "--model", v2.toString()).code());
            assertEquals(0, signedPublish("3", v3, stranger).code());
            long deadline = System.currentTimeMillis() + 30_000;
            Result list;
            do {
                Thread.sleep(100);
                list = cli("models", "--bootstrap-servers", KAFKA.broker().bootstrapServers(), "--topic",
                        "signed-models");
            } while (!(list.out().contains("  2 ") && list.out().contains("  3 ") && list.out().split("rejected").length
                    == 3) && System.currentTimeMillis() < deadline);
            assertTrue(list.out().matches("(?s).*\\n  2 +onnx .* rejected: untrusted: it is not signed.*"), list.out());
            assertTrue(list.out().matches("(?s).*\\n  3 +onnx .* rejected: untrusted: it is not signed by a trusted "
                    + "key.*"), list.out());
            assertEquals("1", engine.modelInfo().version(), "the signed version keeps serving");
        }
    }

    private Result signedPublish(String version, Path model, Path key) {
        return cli("publish-model", "--bootstrap-servers", KAFKA.broker().bootstrapServers(), "--topic",
                "signed-models", "--name", "fraud", "--version", version, "--model", model.toString(), "--sign-key",
                key.toString());
    }

    private static void openssl(String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("openssl"));
        command.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, output);
    }

    @Test
    void usageMistakesAreExplained() {
        Result badVersion = cli("publish-model", "--bootstrap-servers", "127.0.0.1:9", "--topic", "m", "--name", "x",
                "--version", "v2", "--model", dir.toString());
        assertEquals(2, badVersion.code());
        assertTrue(badVersion.err().contains("a model version is a whole number above 0, not 'v2'"), badVersion.err());
        Result badWeights = cli("route", "--bootstrap-servers", "127.0.0.1:9", "--topic", "m", "--name", "x",
                "--weights", "1=90;2=10");
        assertEquals(2, badWeights.code());
        assertTrue(badWeights.err().contains("weight of version 1 must be a whole number"), badWeights.err());
    }

    private static void awaitServing(InferenceEngine engine, int versions) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (engine.deployments().peek().get().serving().size() != versions) {
            assertTrue(System.currentTimeMillis() < deadline, "routing not applied");
            Thread.sleep(20);
        }
    }
}
