package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.inferstream.model.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration reference is generated from the definitions (engine keys, loader options); this keeps the two in step. */
class ReadmeConfigReferenceTest {
    @Test
    void readmeTableEqualsTheGeneratedReference() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String start = "<!-- config-reference:start -->\n";
        String section = readme.substring(readme.indexOf(start) + start.length(), readme.indexOf("<!-- config-reference:end -->"));
        String generated = ConfigReference.markdown(ModelRegistry.discover());
        if (!generated.equals(section)) {
            Files.writeString(Path.of("target", "config-reference.md"), generated);
        }
        assertEquals(generated, section, "README.md is stale: paste cli/target/config-reference.md (the output of "
                + "'bin/inferstream config-reference' with every adapter on the class path) between the markers");
    }
}
