package io.inferstream.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.inferstream.http.HttpLimits;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.protocol.v2.GRPCInferenceServiceGrpc;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ScratchDirectory;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The abuse suite: a real server (ONNX Runtime behind serve's REST and gRPC front ends on 127.0.0.1) under what hostile
 * or broken clients send — stalled heads and bodies on hundreds of connections, shapes that lie about their data,
 * bodies over the cap (declared or streamed), malformed JSON and chunked encoding, non-finite numbers, duplicate
 * inputs, garbage protobuf. For each: the answer, the heap before / at its peak / after, the slowest health probe while
 * it ran (a probe every 100 ms on a fresh connection), and whether a valid request right after it still gets the
 * right numbers (against the network's plain-Java forward pass). Prints the table the README keeps.
 */
class ServeAbuseTest {
    private static final DenseNetwork NET = DenseNetwork.random(4, 8, 3, 11);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INFER = "/v2/models/dense/infer";
    private static final int STALLERS = 300;
    private static final long BODY_CAP = 1 << 20;
    private static final HttpLimits LIMITS = HttpLimits.defaults().withHeaderTimeout(Duration.ofSeconds(2))
            .withBodyTimeout(Duration.ofSeconds(2)).withIdleTimeout(Duration.ofSeconds(5))
            .withMaxBodyBytes(BODY_CAP);
    private static ScratchDirectory dir;
    private static InferenceServer server;
    private static HealthWatch health;
    private static final List<String> ROWS = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dir = ScratchDirectory.create("serve-abuse");
        Path dense = Files.write(dir.path().resolve("dense.onnx"), OnnxModelWriter.denseNetwork(NET));
        server = InferenceServer.builder().restPort(0).grpcPort(0).httpLimits(LIMITS).maxRequestElements(100_000)
                .model("dense", ModelRegistry.discover().load(ModelSource.of(dense), "onnx", Map.of())).start();
        health = new HealthWatch(server.restPort(), "/v2/health/live");
    }

    @AfterAll
    static void stop() throws Exception {
        if (health != null) {
            health.close();
        }
        if (server != null) {
            server.close();
        }
        if (dir != null) {
            dir.close();
        }
        System.out.println("\n| abuse | answer | heap MB before / peak / after | slowest health probe | "
                + "valid request after |\n|---|---|---|---:|---|");
        ROWS.forEach(System.out::println);
    }

    /** One attack: returns what the server answered, in words for the table. */
    private interface Attack {
        String run() throws Exception;
    }

    @Test
    void everyAbuseIsRefusedWhileHealthAnswersAndValidRequestsScore() throws Exception {
        int port = server.restPort();
        scenario(STALLERS + " connections stall in the request head", "closed", () -> stalled(port,
                "POST " + INFER + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty"));
        scenario(STALLERS + " connections stall in the body", "408", () -> stalled(port,
                RawHttp.post(INFER, 1000) + "{\"inputs\":"));
        scenario("shape [1, 2147483647], 90-byte body", "400", () -> status(port, "{\"inputs\":[{\"name\":\"input\","
                + "\"shape\":[1,2147483647],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}"));
        scenario("shape [1, 1, 250000000], 90-byte body", "400", () -> status(port, "{\"inputs\":[{\"name\":"
                + "\"input\",\"shape\":[1,1,250000000],\"datatype\":\"FP32\",\"data\":[1,2,3,4]}]}"));
        scenario("Content-Length of 200 MB (cap 1 MiB)", "413", () -> {
            byte[] head = RawHttp.post(INFER, 200_000_000L).getBytes(StandardCharsets.ISO_8859_1);
            byte[] some = new byte[64 << 10];
            Arrays.fill(some, (byte) ' ');
            byte[] request = Arrays.copyOf(head, head.length + some.length);
            System.arraycopy(some, 0, request, head.length, some.length);
            return answer(RawHttp.exchange(port, request, 10_000));
        });
        scenario("chunked body streaming past the cap (8 MiB sent)", "413", () -> chunkedPastTheCap(port));
        scenario("malformed JSON", "400", () -> status(port, "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,4"));
        scenario("1e39 in an FP32 input", "400", () -> status(port, body("[1e39,0,0,0]")));
        scenario("the same input twice", "400", () -> status(port, "{\"inputs\":[" + tensor("[1,2,3,4]") + ","
                + tensor("[5,6,7,8]") + "]}"));
        scenario("'data' twice in one input", "400", () -> status(port, "{\"inputs\":[{\"name\":\"input\","
                + "\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[1,2,3,4],\"data\":[5,6,7,8]}]}"));
        scenario("200,000 elements (cap 100,000)", "400", () -> {
            StringBuilder data = new StringBuilder("0");
            for (int i = 1; i < 200_000; i++) {
                data.append(",0");
            }
            return status(port, "{\"inputs\":[{\"name\":\"input\",\"shape\":[50000,4],\"datatype\":\"FP32\","
                    + "\"data\":[" + data + "]}]}");
        });
        scenario("malformed chunked encoding", "400", () -> answer(RawHttp.exchange(port, ("POST " + INFER
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1), 10_000)));
        scenario("a 64 KB request head", "431", () -> answer(RawHttp.exchange(port, ("GET /v2 HTTP/1.1\r\nHost: "
                + "127.0.0.1\r\nX-Padding: " + "a".repeat(64 << 10) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                10_000)));
        scenario("garbage protobuf to gRPC ModelInfer", "INVALID_ARGUMENT", this::garbageProtobuf);
    }

    private void scenario(String name, String expected, Attack attack) throws Exception {
        long before = heapAfterGc();
        resetPeaks();
        health.reset();
        // A quick attack is repeated for half a second, so health is probed while it goes on, not only around it.
        long until = System.nanoTime() + 500_000_000L;
        String got = attack.run();
        int rounds = 1;
        while (System.nanoTime() < until) {
            String again = attack.run();
            rounds++;
            if (!again.equals(got)) {
                got = got + "; then " + again;
                break;
            }
        }
        if (rounds > 1) {
            got = got + " (×" + rounds + ")";
        }
        int probes = health.probes();
        long slowest = health.slowestMillis();
        int failures = health.failures();
        long peak = peakHeap();
        long after = heapAfterGc();
        String valid = validRequest();
        ROWS.add(String.format(Locale.ROOT, "| %s | %s | %d / %d / %d | %d ms (%d probes, %d failed) | %s |", name,
                got, before >> 20, peak >> 20, after >> 20, slowest, probes, failures, valid));
        assertTrue(got.startsWith(expected), name + ": expected " + expected + ", got " + got);
        assertEquals(0, failures, name + ": health probes failed");
        assertTrue(slowest < 1000, name + ": a health probe took " + slowest + " ms");
        assertEquals("right numbers", valid, name);
        assertTrue(after - before < 64L << 20, name + ": the heap grew from " + before + " to " + after);
    }

    /** Opens the stallers, each sending the same prefix and then nothing; waits for the server to end each. */
    private static String stalled(int port, String prefix) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < STALLERS; i++) {
                Socket s = RawHttp.connect(port, 10_000);
                sockets.add(s);
                s.getOutputStream().write(prefix.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            }
            Thread.sleep(1000); // the attack in full force while health is probed
            String outcome = null;
            for (Socket s : sockets) {
                RawHttp.Answer a = RawHttp.read(s.getInputStream());
                String o = a.status < 0 ? "closed" : String.valueOf(a.status);
                if (outcome != null && !outcome.equals(o)) {
                    return "mixed: " + outcome + " and " + o;
                }
                outcome = o;
            }
            return String.format(Locale.ROOT, "%s, all %d, within %.1f s", outcome, STALLERS,
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private static String chunkedPastTheCap(int port) throws Exception {
        try (Socket s = RawHttp.connect(port, 10_000)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST " + INFER + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            byte[] chunk = new byte[64 << 10];
            Arrays.fill(chunk, (byte) ' ');
            try {
                for (int i = 0; i < 128; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
            } catch (java.io.IOException e) {
                // the server answered 413 and closed before we finished: what we want to see
            }
            return answer(RawHttp.read(s.getInputStream()));
        }
    }

    private String garbageProtobuf() throws Exception {
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName())
                .setRequestMarshaller(new Bytes()).setResponseMarshaller(new Bytes()).build();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
            ClientCalls.blockingUnaryCall(channel, raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                    new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0a, 0x7f, 0x01});
            return "OK (accepted)";
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Passes bytes through untouched. */
    private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static String tensor(String data) {
        return "{\"name\":\"input\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":" + data + "}";
    }

    private static String body(String data) {
        return "{\"inputs\":[" + tensor(data) + "]}";
    }

    private static String status(int port, String body) throws Exception {
        return answer(RawHttp.exchange(port, RawHttp.post(INFER, body), 10_000));
    }

    /** @return the status, and whether the body was the protocol's JSON error */
    private static String answer(RawHttp.Answer a) {
        if (a.status < 0) {
            return a.body;
        }
        String error;
        try {
            JsonNode e = JSON.readTree(a.body).get("error");
            error = e == null ? "no error member: " + a.body : "JSON error: " + shorten(e.asText());
        } catch (Exception e) {
            error = "not JSON: " + shorten(a.body);
        }
        return a.status + " " + error;
    }

    private static String shorten(String s) {
        String one = s.replace('|', '/').replace('\n', ' ');
        return one.length() > 90 ? one.substring(0, 90) + "…" : one;
    }

    /** @return "right numbers", or what was wrong with a valid request's answer */
    private static String validRequest() throws Exception {
        float[] x = {0.5f, -1f, 2f, 0.25f};
        RawHttp.Answer a = RawHttp.exchange(server.restPort(), RawHttp.post(INFER, body(Arrays.toString(x))), 10_000);
        if (a.status != 200) {
            return "status " + a;
        }
        JsonNode data = JSON.readTree(a.body).get("outputs").get(0).get("data");
        double[] expected = NET.forward(x);
        for (int c = 0; c < expected.length; c++) {
            if (Math.abs(expected[c] - data.get(c).asDouble()) > 1e-6) {
                return "class " + c + ": " + data.get(c) + " instead of " + expected[c];
            }
        }
        return "right numbers";
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }
}
