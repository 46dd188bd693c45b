package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ModelSourcesTest {
    /** Records what a remote loader would be given, and loads nothing. */
    static final class RecordingLoader implements ModelLoader {
        ModelSource source;
        Map<String, ?> options;

        @Override
        public String format() {
            return "kserve-v2";
        }

        @Override
        public boolean accepts(ModelSource s) {
            return s.isRemote();
        }

        @Override
        public Model load(ModelSource s, Map<String, ?> config) throws ModelLoadException {
            source = s;
            options = config;
            throw new ModelLoadException("recorded");
        }
    }

    private static Map<String, Object> minimal() {
        Map<String, Object> p = new HashMap<>();
        p.put(EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9092");
        p.put(EngineConfig.GROUP_ID, "g");
        p.put(EngineConfig.INPUT_TOPICS, "in");
        p.put(EngineConfig.OUTPUT_TOPIC, "out");
        p.put(EngineConfig.DEAD_LETTER_TOPIC, "dlt");
        return p;
    }

    @Test
    void aUrlInModelPathOrModelUrlGoesToTheRemoteLoaderWithTheRemoteSettings() throws Exception {
        for (String key : new String[] {EngineConfig.MODEL_PATH, EngineConfig.MODEL_URL}) {
            Map<String, Object> p = minimal();
            p.put(key, "http://127.0.0.1:8000/v2/models/fraud/versions/2");
            p.put("remote.timeout.ms", "1500");
            p.put(EngineConfig.MODEL_CONFIG_PREFIX + "version", "7");
            RecordingLoader loader = new RecordingLoader();
            DeploymentSource source = ModelSources.fromConfig(new EngineConfig(p),
                    ModelRegistry.empty().register(loader), Path.of("/nowhere"));
            assertThrows(ModelLoadException.class,
                    () -> source.initial(Duration.ofSeconds(1)).versions().values().iterator().next().provider().load());
            assertEquals("fraud", loader.source.name(), key);
            assertTrue(loader.source.isRemote(), key);
            assertEquals("1500", loader.options.get("remote.timeout.ms"), key);
            assertEquals(null, loader.options.get("remote.breaker.failures"), "defaults are the remote loader's own");
            assertEquals("7", loader.options.get("version"), "model.config.* keys as before");
        }
        Map<String, Object> bad = minimal();
        bad.put(EngineConfig.MODEL_URL, "http:///v2/models/x");
        assertThrows(ConfigException.class, () -> ModelSources.fromConfig(new EngineConfig(bad),
                ModelRegistry.empty(), Path.of("/")));
    }
}
