package io.inferstream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * inferstream-bom must list every published module, and only those, at the reactor's version: a module added to the
 * parent without a BOM entry would leave users of the BOM on a version of their own for it.
 */
class BomCompletenessTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern OWN_ARTIFACT = Pattern.compile("</parent>\\s*<artifactId>([^<]+)</artifactId>");
    private static final Pattern BOM_ENTRY = Pattern.compile(
            "<groupId>io\\.inferstream</groupId><artifactId>([^<]+)</artifactId><version>\\$\\{project\\.version}</version>");

    @Test
    void theBomListsEveryPublishedModule() throws Exception {
        String parent = Files.readString(ROOT.resolve("pom.xml"));
        TreeSet<String> published = new TreeSet<>();
        Matcher m = MODULE.matcher(parent);
        while (m.find()) {
            String pom = Files.readString(ROOT.resolve(m.group(1)).resolve("pom.xml"));
            Matcher own = OWN_ARTIFACT.matcher(pom);
            boolean notPublished = pom.contains("<maven.deploy.skip>true</maven.deploy.skip>")
                    || pom.contains("<packaging>pom</packaging>") || !own.find();
            if (!notPublished) {
                published.add(own.group(1));
            }
        }
        String bom = Files.readString(ROOT.resolve("bom/pom.xml"));
        List<String> listed = new ArrayList<>();
        Matcher e = BOM_ENTRY.matcher(bom);
        while (e.find()) {
            listed.add(e.group(1));
        }
        assertEquals(published, new TreeSet<>(listed),
                "bom/pom.xml must list exactly the published modules (those without maven.deploy.skip)");
        assertEquals(listed.size(), new TreeSet<>(listed).size(), "an entry twice in bom/pom.xml");
        String version = parent.replaceAll("(?s).*?<artifactId>inferstream-parent</artifactId>\\s*<version>([^<]+)</version>.*", "$1");
        assertEquals(version, bom.replaceAll("(?s).*?<artifactId>inferstream-bom</artifactId>\\s*<version>([^<]+)</version>.*", "$1"),
                "the BOM has no parent, so its version must be kept equal to the parent's by hand");
    }
}
