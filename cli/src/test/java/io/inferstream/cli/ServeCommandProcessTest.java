package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.inferstream.protocol.v2.GRPCInferenceServiceGrpc;
import io.inferstream.protocol.v2.OpenInferenceV2.InferTensorContents;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferRequest;
import io.inferstream.protocol.v2.OpenInferenceV2.ModelInferResponse;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inferstream serve} as an operator runs it: a separate JVM serving a folder of numbered ONNX versions on free
 * ports of 127.0.0.1, probed over REST (v2 and TF Serving) and gRPC with hand-written requests, hot-swapped to a new
 * version dropped into the folder, and stopped with SIGTERM, which must exit 0.
 */
class ServeCommandProcessTest {
    private static final Pattern REST = Pattern.compile("REST: http://127\\.0\\.0\\.1:(\\d+)/v2/models/dense/infer");
    private static final Pattern GRPC = Pattern.compile("gRPC: 127\\.0\\.0\\.1:(\\d+) ");
    private static final float[] X = {1, -1, 0.5f, 2};
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path dir;

    private static int port(Pattern p, Path log, Process process) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(Files.readString(log));
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (!process.isAlive()) {
                throw new AssertionError("serve exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("serve printed no endpoint within 120 s:\n" + Files.readString(log));
    }

    private JsonNode post(int port, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static void assertForward(DenseNetwork net, JsonNode data) {
        double[] expected = net.forward(X);
        for (int c = 0; c < expected.length; c++) {
            assertEquals(expected[c], data.get(c).asDouble(), 1e-6, "class " + c);
        }
    }

    @Test
    void servesAVersionFolderOverRestAndGrpcSwapsVersionsAndStopsWithExitCodeZero() throws Exception {
        DenseNetwork v1 = DenseNetwork.random(4, 8, 3, 1);
        DenseNetwork v2 = DenseNetwork.random(4, 8, 3, 2);
        Path base = dir.resolve("dense");
        Files.createDirectories(base.resolve("1"));
        Files.write(base.resolve("1").resolve("model.onnx"), OnnxModelWriter.denseNetwork(v1));

        Path log = dir.resolve("serve.log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--model", base.toString(),
                "--port", "0", "--grpc-port", "0", "--max-queue-delay-ms", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            int rest = port(REST, log, process);
            int grpc = port(GRPC, log, process);
            String v2Body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\","
                    + "\"data\":[1.0,-1.0,0.5,2.0]}]}";
            JsonNode first = post(rest, "/v2/models/dense/infer", v2Body);
            assertEquals("1", first.get("model_version").asText());
            assertForward(v1, first.get("outputs").get(0).get("data"));
            assertForward(v1, post(rest, "/v1/models/dense:predict", "{\"instances\":[[1.0,-1.0,0.5,2.0]]}")
                    .get("predictions").get(0));

            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc).usePlaintext().build();
            try {
                ModelInferResponse r = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .modelInfer(ModelInferRequest.newBuilder().setModelName("dense").addInputs(
                                ModelInferRequest.InferInputTensor.newBuilder().setName("input").setDatatype("FP32")
                                        .addShape(1).addShape(4).setContents(InferTensorContents.newBuilder()
                                                .addAllFp32Contents(List.of(1f, -1f, 0.5f, 2f)))).build());
                double[] expected = v1.forward(X);
                for (int c = 0; c < expected.length; c++) {
                    assertEquals(expected[c], r.getOutputs(0).getContents().getFp32Contents(c), 1e-6);
                }
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }

            // A new version appears whole (moved in), as a deployment tool drops it: served without a restart.
            Path staging = Files.createDirectories(dir.resolve("staging"));
            Files.write(staging.resolve("model.onnx"), OnnxModelWriter.denseNetwork(v2));
            Files.move(staging, base.resolve("2"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            JsonNode swapped = post(rest, "/v2/models/dense/infer", v2Body);
            while (!swapped.get("model_version").asText().equals("2") && System.nanoTime() < deadline) {
                Thread.sleep(200);
                swapped = post(rest, "/v2/models/dense/infer", v2Body);
            }
            assertEquals("2", swapped.get("model_version").asText(), Files.readString(log));
            assertForward(v2, swapped.get("outputs").get(0).get("data"));
        } finally {
            int sent = new ProcessBuilder("kill", "-s", "TERM", Long.toString(process.pid())).inheritIO().start()
                    .waitFor();
            assertEquals(0, sent, "kill -s TERM");
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("serve did not stop within 60 s of SIGTERM:\n" + Files.readString(log));
            }
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "a graceful stop on SIGTERM is a success; it printed:\n" + output);
        assertTrue(output.contains("inferstream: serving dense:1 (onnx)"), output);
        assertTrue(output.contains("inferstream: SIGTERM received, stopping gracefully"), output);
        assertTrue(output.contains("inferstream: stopped: dense: "), output);
    }
}
