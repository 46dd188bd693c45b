package io.inferstream.remote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.model.InvalidInputException;
import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.net.URI;
import org.junit.jupiter.api.Test;

class RejectionsAndAddressTest {

    @Test
    void aRefusalNamingOneRecordOfTheBatchPointsAtItAndOtherwiseAtNone() {
        assertEquals(3, Rejections.recordIndex("record 3: field 'x' is NaN", 5));
        assertEquals(2, Rejections.recordIndex("Instance #2 has the wrong shape", 5));
        assertEquals(0, Rejections.recordIndex("anything at all", 1), "a batch of one can only be that record");
        assertEquals(-1, Rejections.recordIndex("record 7 is out of this batch of 5", 5));
        assertEquals(-1, Rejections.recordIndex("record 1 and record 2 are both bad", 5), "two named: no guess");
        assertEquals(1, Rejections.recordIndex("record 1: field 'b': record 1 is empty", 5), "one, named twice");
        assertEquals(-1, Rejections.recordIndex("input 'x' must be FP32", 5));
        InvalidInputException bad = assertInstanceOf(InvalidInputException.class,
                Rejections.of("http://h/v2/models/m", true, "HTTP 400", "row 1 is bad", 3));
        assertEquals(1, bad.recordIndex());
        assertTrue(bad.getMessage().contains("row 1 is bad"), bad.getMessage());
        assertInstanceOf(ModelFailureException.class, Rejections.of("http://h", false, "HTTP 404", "no model m", 3));
    }

    @Test
    void addressesOfEachProtocolGiveServerModelAndVersion() throws Exception {
        RemoteAddress v2 = RemoteAddress.v2(URI.create("http://127.0.0.1:8000/proxy/v2/models/fraud/versions/3"));
        assertEquals("fraud", v2.model);
        assertEquals("3", v2.version);
        assertEquals("http://127.0.0.1:8000/proxy/v2/models/fraud/versions/3", v2.modelUrl("/v2/models/"));
        RemoteAddress latest = RemoteAddress.tfServing(URI.create("http://127.0.0.1:8501/v1/models/fraud"));
        assertEquals("", latest.version);
        assertEquals("http://127.0.0.1:8501/v1/models/fraud", latest.modelUrl("/v1/models/"));
        RemoteAddress grpc = RemoteAddress.grpc(URI.create("grpc://127.0.0.1:8001/fraud/versions/2"), null);
        assertEquals("fraud", grpc.model);
        assertEquals("2", grpc.version);
        assertEquals("other", RemoteAddress.grpc(URI.create("grpc://127.0.0.1:8001"), "other").model);
        assertEquals("m", RemoteAddress.grpc(URI.create("grpc://127.0.0.1:8001/v2/models/m"), null).model);
        assertThrows(ModelLoadException.class, () -> RemoteAddress.grpc(URI.create("grpc://127.0.0.1:8001"), null));
        assertThrows(ModelLoadException.class, () -> RemoteAddress.v2(URI.create("http://127.0.0.1:8000/models/x")));

        KServeV2Loader v2Loader = new KServeV2Loader();
        TfServingLoader tfLoader = new TfServingLoader();
        ModelSource rest = ModelSource.of(URI.create("http://127.0.0.1:8000/v2/models/fraud"));
        ModelSource tf = ModelSource.of(URI.create("http://127.0.0.1:8501/v1/models/fraud/versions/1"));
        ModelSource grpcSource = ModelSource.of(URI.create("grpc://127.0.0.1:8001/fraud"));
        assertTrue(v2Loader.accepts(rest));
        assertTrue(v2Loader.accepts(grpcSource));
        assertFalse(v2Loader.accepts(tf));
        assertTrue(tfLoader.accepts(tf));
        assertFalse(tfLoader.accepts(rest));
        assertFalse(v2Loader.accepts(ModelSource.of(new byte[] {1}, "v2.onnx")), "files are never a server");
        ModelLoadException notAServer = assertThrows(ModelLoadException.class,
                () -> v2Loader.load(ModelSource.of(new byte[] {1}, "m.onnx"), java.util.Map.of()));
        assertTrue(notAServer.getMessage().contains("URL"), notAServer.getMessage());
    }

    @Test
    void remoteKeysAreDeclaredOnceAndCheckedBeforeAnyConnection() throws Exception {
        ModelRegistry registry = ModelRegistry.discover();
        ModelSource server = ModelSource.of(URI.create("http://127.0.0.1:9/v2/models/m"));
        ModelLoadException typo = assertThrows(ModelLoadException.class,
                () -> registry.load(server, KServeV2Loader.FORMAT, java.util.Map.of("remote.timout.ms", "500")));
        assertTrue(typo.getMessage().contains("did you mean 'remote.timeout.ms'"), typo.getMessage());
        ModelLoadException negative = assertThrows(ModelLoadException.class,
                () -> registry.load(server, TfServingLoader.FORMAT, java.util.Map.of(RemoteSettings.RETRIES, "-1")));
        assertTrue(negative.getMessage().contains("'remote.retries' must be a whole number in [0,...,100]"),
                negative.getMessage());
        assertThrows(ModelLoadException.class, () -> RemoteSettings.from(
                LoaderOptions.of(java.util.Map.of(RemoteSettings.MAX_IN_FLIGHT, "0"))), "the same bounds, read directly");
        RemoteSettings defaults = RemoteSettings.from(LoaderOptions.of(java.util.Map.of(RemoteSettings.TIMEOUT_MS, 750)));
        assertEquals(750, defaults.timeout().toMillis());
        assertEquals(2, defaults.retries(), "an absent key takes its declared default");
        assertEquals(4, defaults.maxInFlight());
    }
}
