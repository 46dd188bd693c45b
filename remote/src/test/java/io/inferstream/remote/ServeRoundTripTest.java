package io.inferstream.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.model.RetriableInferenceException;
import io.inferstream.serve.InferenceServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The v2 clients, REST and gRPC, against {@code inferstream serve}'s {@link InferenceServer} hosting a plain-Java model
 * with a binary input: arbitrary bytes (not UTF-8) round-trip both ways, a gRPC server that goes away is retriable, and
 * the client uses it again as soon as it is back on the same port.
 */
class ServeRoundTripTest {
    private static final Map<String, Object> FAST = Map.of("remote.timeout.ms", "2000", "remote.retries", "1",
            "remote.retry.backoff.ms", "5", "remote.breaker.failures", "100");

    /** reversed = the blob's bytes reversed, y = 2 * sum(x); refuses an empty blob, naming the record. */
    static final class ReverseModel implements Model {
        @Override
        public ModelInfo info() {
            return ModelInfo.builder("test").name("reverse").threadSafe(true)
                    .input(FieldSpec.scalar("blob", DataType.BYTES)).input(FieldSpec.tensor("x", DataType.DOUBLE, 3))
                    .output(FieldSpec.scalar("reversed", DataType.BYTES)).output(FieldSpec.scalar("y", DataType.DOUBLE))
                    .build();
        }

        @Override
        public List<Prediction> predict(List<Features> batch) throws InvalidInputException {
            List<Prediction> out = new ArrayList<>();
            for (int r = 0; r < batch.size(); r++) {
                byte[] in = batch.get(r).get("blob").asBytes()[0];
                if (in.length == 0) {
                    throw new InvalidInputException(r, "blob", "record " + r + ": the blob is empty", null);
                }
                byte[] rev = new byte[in.length];
                for (int k = 0; k < in.length; k++) {
                    rev[k] = in[in.length - 1 - k];
                }
                double[] x = batch.get(r).get("x").asDoubles();
                out.add(Prediction.builder().output("reversed", Tensor.ofBytes(new byte[][] {rev}, new long[0]))
                        .output("y", Tensor.scalar(2 * (x[0] + x[1] + x[2]))).build());
            }
            return out;
        }

        @Override
        public void close() {
        }
    }

    private static Features row(byte[] blob, double... x) {
        return Features.builder().put("blob", Tensor.ofBytes(new byte[][] {blob}, new long[0]))
                .put("x", Tensor.ofDoubles(x)).build();
    }

    private static InferenceServer serve(int restPort, int grpcPort) throws Exception {
        return InferenceServer.builder().host("127.0.0.1").restPort(restPort).grpcPort(grpcPort)
                .model("reverse", new ReverseModel()).start();
    }

    @Test
    void binaryValuesRoundTripOverRestAndGrpcAndAGrpcServerThatComesBackIsUsedAgain() throws Exception {
        ModelRegistry registry = ModelRegistry.discover();
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0, (byte) 0xc3, 0x28, 7};
        List<Features> rows = List.of(row(binary, 1, 2, 3), row("héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 0, 0.5));
        InferenceServer server = serve(0, 0);
        int grpcPort = server.grpcPort();
        try {
            for (String url : List.of("http://127.0.0.1:" + server.restPort() + "/v2/models/reverse",
                    "grpc://127.0.0.1:" + grpcPort + "/reverse")) {
                try (Model m = registry.load(ModelSource.of(URI.create(url)), null, FAST)) {
                    assertEquals(DataType.BYTES, m.info().input("blob").type(), url);
                    List<Prediction> out = m.predict(rows);
                    assertArrayEquals(new byte[] {7, 0x28, (byte) 0xc3, 0, (byte) 0xfe, (byte) 0xff},
                            out.get(0).output("reversed").asBytes()[0], url);
                    byte[] text = rows.get(1).get("blob").asBytes()[0];
                    byte[] back = out.get(1).output("reversed").asBytes()[0];
                    assertEquals(text.length, back.length, url);
                    for (int k = 0; k < text.length; k++) {
                        assertEquals(text[text.length - 1 - k], back[k], url + " byte " + k);
                    }
                    assertEquals(12.0, out.get(0).output("y").getDouble(0), 1e-12, url);
                    assertEquals(1.0, out.get(1).output("y").getDouble(0), 1e-12, url);
                    InvalidInputException empty = assertThrows(InvalidInputException.class,
                            () -> m.predict(List.of(row(binary, 1, 1, 1), row(new byte[0], 1, 1, 1))), url);
                    assertEquals(1, empty.recordIndex(), url + ": " + empty.getMessage());
                }
            }
            try (Model grpc = registry.load(ModelSource.of(URI.create("grpc://127.0.0.1:" + grpcPort + "/reverse")),
                    null, FAST)) {
                assertEquals(2, grpc.predict(rows).size());
                server.close();
                RetriableInferenceException down = assertThrows(RetriableInferenceException.class,
                        () -> grpc.predict(rows));
                assertTrue(down.getMessage().contains("UNAVAILABLE"), down.getMessage());
                server = serve(-1, grpcPort);
                List<Prediction> again = null;
                long deadline = System.currentTimeMillis() + 30_000;
                while (again == null) {
                    try {
                        again = grpc.predict(rows);
                    } catch (RetriableInferenceException e) {
                        if (System.currentTimeMillis() > deadline) {
                            throw e;
                        }
                        Thread.sleep(100);
                    }
                }
                assertEquals(12.0, again.get(0).output("y").getDouble(0), 1e-12);
            }
        } finally {
            server.close();
        }
    }
}
