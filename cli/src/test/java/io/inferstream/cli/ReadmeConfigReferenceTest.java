package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferstream.config.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration reference is generated from the ConfigDef; this keeps the two in step. */
class ReadmeConfigReferenceTest {
    @Test
    void readmeTableEqualsTheGeneratedReference() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String start = "<!-- config-reference:start -->\n";
        String section = readme.substring(readme.indexOf(start) + start.length(), readme.indexOf("<!-- config-reference:end -->"));
        assertEquals(EngineConfig.toMarkdownTable(), section,
                "README.md is stale: paste the output of 'bin/inferstream config-reference' between the markers");
    }
}
