package io.inferstream.h2o;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Format sniffing, what a loaded MOJO declares about itself, and load-time refusals. */
class H2oMojoLoaderTest {
    private final H2oMojoLoader loader = new H2oMojoLoader();

    @TempDir
    Path dir;

    @Test
    void isFoundByTheRegistryUnderItsFormatId() throws Exception {
        assertTrue(ModelRegistry.discover().formats().contains("h2o-mojo"));
        assertEquals("h2o-mojo", ModelRegistry.discover().detect(MojoFixtures.source("gbm_binomial")).format());
    }

    @Test
    void acceptsMojoZipsOnDiskInMemoryAndUnzipped() throws Exception {
        assertTrue(loader.accepts(ModelSource.of(MojoFixtures.copyTo("gbm_binomial", dir))));
        assertTrue(loader.accepts(MojoFixtures.source("glm_regression")));
        // Sniffing is by content: a MOJO under another name is still one.
        assertTrue(loader.accepts(ModelSource.of(MojoFixtures.mojoBytes("kmeans_clustering"), "model.bin")));
        Path unzipped = unzip(MojoFixtures.mojoBytes("gbm_binomial"), dir.resolve("gbm"));
        assertTrue(loader.accepts(ModelSource.of(unzipped)));
    }

    @Test
    void rejectsZipsWithoutModelIniAndOtherFiles() throws Exception {
        byte[] plainZip = zip("data.csv", "a,b\n1,2\n");
        assertFalse(loader.accepts(ModelSource.of(plainZip, "data.zip")));
        Path onDisk = dir.resolve("data.zip");
        Files.write(onDisk, plainZip);
        assertFalse(loader.accepts(ModelSource.of(onDisk)));
        assertFalse(loader.accepts(ModelSource.of("<PMML/>".getBytes(StandardCharsets.UTF_8), "model.zip")));
        assertFalse(loader.accepts(ModelSource.of(new byte[0], "empty.zip")));
        assertFalse(loader.accepts(ModelSource.of(dir)));
    }

    @Test
    void declaresInputsByColumnNameWithLevelsAndOutputsByCategory() throws Exception {
        try (Model m = loader.load(MojoFixtures.source("gbm_binomial"), Map.of("version", "7"))) {
            ModelInfo info = m.info();
            assertEquals("gbm_binomial", info.name());
            assertEquals("7", info.version());
            assertEquals(List.of("x1", "x2", "colour", "cyl"), names(info.inputs()));
            assertEquals(FieldSpec.scalar("x1", DataType.DOUBLE), info.input("x1"));
            assertEquals(List.of("blue", "green", "red"), info.input("colour").levels());
            assertEquals(List.of("4", "6", "8"), info.input("cyl").levels());
            assertEquals(List.of("predict", "no", "yes"), names(info.outputs()));
            assertEquals(List.of("no", "yes"), info.outputs().get(0).levels());
            assertTrue(info.threadSafe(), "tree MOJOs keep no scoring state");
            assertEquals("gbm", info.properties().get("algorithm"));
            assertEquals("3.44.0.1", info.properties().get("h2o.version"), "trained by an older H2O than genmodel 3.46");
            assertEquals("Binomial", info.properties().get("category"));
            assertEquals("label", info.properties().get("response"));
        }
    }

    @Test
    void glmInputsAreNamedAsTrainedThoughTheMojoPutsCategoricalsFirst() throws Exception {
        try (Model m = loader.load(MojoFixtures.source("glm_regression"), Map.of())) {
            // The MOJO's own order: categorical columns first. Users write fields by name, so only the set matters.
            assertEquals(List.of("colour", "x1", "x2"), names(m.info().inputs()));
            assertEquals(List.of(FieldSpec.scalar("predict", DataType.DOUBLE)), m.info().outputs());
            assertTrue(m.info().threadSafe());
        }
    }

    @Test
    void anOffsetColumnIsAnInputThoughTheMojoKeepsItOutsideTheRow() throws Exception {
        try (Model m = loader.load(MojoFixtures.source("glm_offset"), Map.of())) {
            assertEquals(List.of("x1", "exposure"), names(m.info().inputs()));
            Features withOffset = Features.builder().put("x1", 0.5).put("exposure", Math.log(4)).build();
            Features zeroOffset = Features.builder().put("x1", 0.5).put("exposure", 0.0).build();
            double ratio = m.predict(List.of(withOffset)).get(0).output("predict").getDouble(0)
                    / m.predict(List.of(zeroOffset)).get(0).output("predict").getDouble(0);
            assertEquals(4.0, ratio, 1e-9, "a log-link GLM multiplies its mean by exp(offset)");
            assertEquals(m.predict(List.of(zeroOffset)), m.predict(List.of(Features.builder().put("x1", 0.5).build())),
                    "a missing offset is 0");
        }
    }

    @Test
    void declaresThreadSafetyByAlgorithm() throws Exception {
        Map<String, Boolean> expected = Map.of("gbm_binomial", true, "gbm_bench", true, "glm_regression", true,
                "reference_glm", true, "kmeans_clustering", true, "isofor_anomaly", true, "dl_binomial", false);
        for (Map.Entry<String, Boolean> e : expected.entrySet()) {
            try (Model m = loader.load(MojoFixtures.source(e.getKey()), Map.of())) {
                assertEquals(e.getValue(), m.info().threadSafe(), e.getKey());
            }
        }
    }

    @Test
    void clusteringAndAnomalyOutputs() throws Exception {
        try (Model m = loader.load(MojoFixtures.source("kmeans_clustering"), Map.of())) {
            assertEquals(List.of(FieldSpec.scalar("predict", DataType.INT64)), m.info().outputs());
        }
        try (Model m = loader.load(MojoFixtures.source("isofor_anomaly"), Map.of())) {
            assertEquals(List.of(FieldSpec.scalar("predict", DataType.DOUBLE), FieldSpec.scalar("mean_length", DataType.DOUBLE)),
                    m.info().outputs());
        }
    }

    @Test
    void loadsAnUnzippedMojoDirectory() throws Exception {
        Path unzipped = unzip(MojoFixtures.mojoBytes("glm_regression"), dir.resolve("glm"));
        try (Model fromDir = loader.load(ModelSource.of(unzipped), Map.of());
             Model fromZip = loader.load(MojoFixtures.source("glm_regression"), Map.of())) {
            Features row = Features.builder().put("x1", 0.5).put("x2", 3.0).put("colour", "red").build();
            assertEquals(fromZip.predict(List.of(row)), fromDir.predict(List.of(row)));
        }
    }

    @Test
    void refusesUnsupportedCategoriesAtLoadTimeNamingThem() {
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> loader.load(MojoFixtures.source("pca_dimreduction"), Map.of()));
        assertTrue(e.getMessage().contains("pca_dimreduction"), e.getMessage());
        assertTrue(e.getMessage().contains("DimReduction") && e.getMessage().contains("not supported"), e.getMessage());
    }

    @Test
    void refusesDamagedArchivesAndBadOptionsNamingTheModel() throws Exception {
        ModelLoadException notMojo = assertThrows(ModelLoadException.class,
                () -> loader.load(ModelSource.of(zip("model.ini", "[info]\nalgorithm = no-such-algo\n"), "broken.zip"), Map.of()));
        assertTrue(notMojo.getMessage().contains("broken"), notMojo.getMessage());
        ModelLoadException badOption = assertThrows(ModelLoadException.class,
                () -> loader.load(MojoFixtures.source("gbm_binomial"), Map.of("unknown.categorical", "ignore")));
        assertTrue(badOption.getMessage().contains("unknown.categorical") && badOption.getMessage().contains("reject"),
                badOption.getMessage());
    }

    static List<String> names(List<FieldSpec> specs) {
        return specs.stream().map(FieldSpec::name).collect(Collectors.toList());
    }

    private static byte[] zip(String entry, String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            z.putNextEntry(new ZipEntry(entry));
            z.write(content.getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static Path unzip(byte[] zip, Path target) throws IOException {
        try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
                Path p = target.resolve(e.getName()).normalize();
                if (!p.startsWith(target)) {
                    throw new IOException("zip entry outside the target: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(p);
                } else {
                    Files.createDirectories(p.getParent());
                    Files.copy(z, p);
                }
            }
        }
        return target;
    }
}
