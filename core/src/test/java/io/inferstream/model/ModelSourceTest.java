package io.inferstream.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ModelSourceTest {

    @Test
    void aUrlIsARemoteSourceNamedByItsModelAndAPathStaysAFile() {
        ModelSource v2 = ModelSource.parse("http://127.0.0.1:8000/v2/models/fraud/versions/3", Path.of("/base"));
        assertTrue(v2.isRemote());
        assertEquals("fraud", v2.name());
        assertEquals(URI.create("http://127.0.0.1:8000/v2/models/fraud/versions/3"), v2.uri().orElseThrow());
        assertEquals("fraud", ModelSource.parse("grpc://127.0.0.1:8001/fraud", Path.of("/")).name());
        assertEquals("127.0.0.1", ModelSource.parse("grpc://127.0.0.1:8001", Path.of("/")).name());
        assertEquals(0, v2.header(16).length, "no bytes to sniff");
        assertFalse(v2.isDirectory());
        IOException noBytes = assertThrows(IOException.class, v2::open);
        assertTrue(noBytes.getMessage().contains("model server"), noBytes.getMessage());
        assertTrue(assertThrows(RuntimeException.class, v2::requirePath).getMessage().contains("model server"));

        ModelSource file = ModelSource.parse("models/m.onnx", Path.of("/base"));
        assertFalse(file.isRemote());
        assertEquals(Path.of("/base/models/m.onnx"), file.requirePath());
        assertFalse(ModelSource.isUrl("C:\\models\\m.onnx"));
        assertFalse(ModelSource.isUrl(null));
        assertThrows(IllegalArgumentException.class, () -> ModelSource.parse("http:///nohost", Path.of("/")));
    }
}
