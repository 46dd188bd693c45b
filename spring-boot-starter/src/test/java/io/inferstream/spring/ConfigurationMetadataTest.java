package io.inferstream.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed Spring configuration metadata lists every engine key with the engine's own documentation. After a
 * change to the engine's keys, regenerate it: {@code mvn -pl spring-boot-starter -am verify
 * -Dtest=ConfigurationMetadataTest -Dsurefire.failIfNoSpecifiedTests=false -Dregenerate.spring.metadata=true}.
 */
class ConfigurationMetadataTest {
    static final Path FILE = Path.of("src/main/resources/META-INF/spring-configuration-metadata.json");

    @Test
    void theCommittedMetadataIsTheGeneratedOne() throws Exception {
        String generated = ConfigurationMetadata.json();
        if (Boolean.getBoolean("regenerate.spring.metadata")) {
            Files.writeString(FILE, generated, StandardCharsets.UTF_8);
        }
        assertEquals(generated, Files.readString(FILE, StandardCharsets.UTF_8),
                "stale " + FILE + ": regenerate it (see this test's javadoc)");
        for (String key : EngineConfig.definition().names()) {
            assertTrue(generated.contains("\"inferstream." + key + "\""), key);
        }
    }
}
