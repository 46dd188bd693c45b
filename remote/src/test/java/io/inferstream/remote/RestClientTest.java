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
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.model.RetriableInferenceException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The REST clients against {@link HandWrittenServer}: bodies written from the protocols' documents, not by our codec. */
class RestClientTest {
    private static final Map<String, Object> FAST = Map.of("remote.timeout.ms", "400", "remote.retries", "1",
            "remote.retry.backoff.ms", "5", "remote.breaker.failures", "100");
    private final ModelRegistry registry = ModelRegistry.discover();
    private HandWrittenServer server;

    @BeforeEach
    void start() throws Exception {
        server = new HandWrittenServer(0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Model load(String url, String format) throws ModelLoadException {
        return registry.load(ModelSource.of(URI.create(url)), format, FAST);
    }

    static List<Features> rows(double[][] xs) {
        List<Features> out = new ArrayList<>();
        for (double[] x : xs) {
            out.add(Features.builder().put("x", Tensor.ofDoubles(x)).build());
        }
        return out;
    }

    private static void assertScaled(double[][] xs, List<Prediction> out) {
        assertEquals(xs.length, out.size());
        for (int i = 0; i < xs.length; i++) {
            double expected = 2 * (xs[i][0] + xs[i][1] + xs[i][2]);
            assertEquals(expected, out.get(i).output("y").getDouble(0), 1e-12, "record " + i);
        }
    }

    @Test
    void v2RestReadsTheSignatureFromMetadataAndScoresABatchInOneRequest() throws Exception {
        double[][] xs = {{1, 2, 3}, {0.5, -1, 0.25}, {10, 20, 30}, {0, 0, 0}};
        try (Model m = load(server.v2Url("scale"), null)) {
            assertEquals("kserve-v2", m.info().format(), "found by its URL");
            assertEquals("scale", m.info().name());
            assertEquals("1", m.info().version());
            assertEquals(List.of(FieldSpec.tensor("x", DataType.DOUBLE, 3)), m.info().inputs());
            assertEquals("y", m.info().outputs().get(0).name());
            assertScaled(xs, m.predict(rows(xs)));
            assertEquals(1, server.inferRequests.get(), "one request for the batch");
            assertEquals(4, server.largestBatch.get());
        }
        try (Model pinned = load(server.v2Url("scale") + "/versions/1", "kserve-v2")) {
            assertEquals("1", pinned.info().version());
            assertScaled(xs, pinned.predict(rows(xs)));
        }
    }

    @Test
    void v2RefusalsNameTheRecordOrLeaveItToTheEngineAndUnknownModelsOrHalfFloatsFailToLoad() throws Exception {
        try (Model m = load(server.v2Url("scale"), null)) {
            InvalidInputException named = assertThrows(InvalidInputException.class,
                    () -> m.predict(rows(new double[][] {{1, 1, 1}, {1, 1, 1}, {-1, 0, 0}})));
            assertEquals(2, named.recordIndex());
            assertTrue(named.getMessage().contains("x[0] must not be negative"), named.getMessage());
            server.anonymousRefusals = true;
            InvalidInputException anonymous = assertThrows(InvalidInputException.class,
                    () -> m.predict(rows(new double[][] {{1, 1, 1}, {-1, 0, 0}})));
            assertEquals(InvalidInputException.UNKNOWN_RECORD, anonymous.recordIndex());
            assertEquals(0, assertThrows(InvalidInputException.class,
                    () -> m.predict(rows(new double[][] {{-1, 0, 0}}))).recordIndex(), "alone, it is that record");
        }
        ModelLoadException unknown = assertThrows(ModelLoadException.class, () -> load(server.v2Url("nope"), null));
        assertTrue(unknown.getMessage().contains("404"), unknown.getMessage());
        ModelLoadException half = assertThrows(ModelLoadException.class, () -> load(server.v2Url("half"), null));
        assertTrue(half.getMessage().contains("FP16"), half.getMessage());
    }

    @Test
    void tfServingRestScoresInRowFormAndBinaryValuesRoundTripAsB64() throws Exception {
        double[][] xs = {{1, 2, 3}, {4, 5, 6.5}};
        try (Model m = load(server.tfUrl("scale"), null)) {
            assertEquals("tfserving", m.info().format());
            assertEquals("4", m.info().version(), "the version TF Serving's metadata reports");
            assertScaled(xs, m.predict(rows(xs)));
            assertEquals(1, server.inferRequests.get());
        }
        byte[] binary = {(byte) 0xff, (byte) 0xfe, 0, 1, (byte) 0x80};
        try (Model echo = load(server.tfUrl("echo"), "tfserving")) {
            FieldSpec in = echo.info().inputs().get(0);
            List<Prediction> out = echo.predict(List.of(
                    Features.of(in.name(), Tensor.ofBytes(new byte[][] {binary}, new long[0])),
                    Features.of(in.name(), Tensor.ofBytes(new byte[][] {new byte[0]}, new long[0]))));
            Tensor reversed = out.get(0).output("reversed_bytes");
            assertEquals(DataType.BYTES, reversed.type());
            assertArrayEquals(new byte[] {(byte) 0x80, 1, 0, (byte) 0xfe, (byte) 0xff}, reversed.asBytes()[0]);
            assertArrayEquals(new byte[0], out.get(1).output("reversed_bytes").asBytes()[0]);
        }
    }

    @Test
    void everyTransientFaultEndsAsRetriableAndTheClientRecoversWhenTheServerDoes() throws Exception {
        double[][] xs = {{1, 2, 3}};
        server.stallMs = 1_500;
        try (Model v2 = load(server.v2Url("scale"), null); Model tf = load(server.tfUrl("scale"), null)) {
            for (HandWrittenServer.Fault f : HandWrittenServer.Fault.values()) {
                if (f == HandWrittenServer.Fault.NONE) {
                    continue;
                }
                server.fault = f;
                for (Model m : List.of(v2, tf)) {
                    RetriableInferenceException e = assertThrows(RetriableInferenceException.class,
                            () -> m.predict(rows(xs)), f + " " + m.info().format());
                    assertTrue(e.getMessage().contains("2 attempt(s)"), f + ": " + e.getMessage());
                }
                server.fault = HandWrittenServer.Fault.NONE;
                assertScaled(xs, v2.predict(rows(xs)));
                assertScaled(xs, tf.predict(rows(xs)));
            }
            assertTrue(((RemoteModel) v2).retries() >= 4, "one retry per fault");
            int port = server.port();
            server.close();
            RetriableInferenceException refused = assertThrows(RetriableInferenceException.class,
                    () -> v2.predict(rows(xs)));
            assertTrue(refused.getMessage().contains("Connect"), refused.getMessage());
            server = new HandWrittenServer(port);
            assertScaled(xs, v2.predict(rows(xs)));
        }
    }

    @Test
    void aServerThatFailsTheWholeRequestFailsTheModelRatherThanItsRecords() throws Exception {
        try (Model m = load(server.v2Url("broken"), null)) {
            ModelFailureException failed = assertThrows(ModelFailureException.class,
                    () -> m.predict(rows(new double[][] {{1, 2, 3}, {4, 5, 6}})));
            assertTrue(failed.getMessage().contains("HTTP 500") && failed.getMessage().contains("out of memory"),
                    failed.getMessage());
        }
    }
}
