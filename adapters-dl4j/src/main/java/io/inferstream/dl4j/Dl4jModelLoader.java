package io.inferstream.dl4j;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Loads the zips DL4J's {@code ModelSerializer} writes, for a {@code MultiLayerNetwork} or a
 * {@code ComputationGraph} (format id {@value #FORMAT}), from a file or from bytes in memory.
 *
 * <p>{@link #accepts} looks only at zip entry names ({@code configuration.json} and {@code coefficients.bin}),
 * so it never starts ND4J's native backend. The updater state saved for further training is not loaded: serving
 * never needs it. A feature normalizer saved in the zip ({@code normalizer.bin}) is applied to every input.
 *
 * <p>Options, besides the common {@code name} and {@code version}: {@code input.name} and {@code output.name}
 * (a MultiLayerNetwork's field names: default {@code input} and the output layer's name),
 * {@code input.shape.<input>} (per-record shape, e.g. {@code 28,28,1}, when it cannot be read from the first
 * layer) and {@value Dl4jModel#WORKSPACE_MODE} ({@code ENABLED} or {@code NONE}).
 *
 * <p>Thread safety: stateless, safe to share; each load makes a new network.
 */
public final class Dl4jModelLoader implements ModelLoader {
    /** The format id. */
    public static final String FORMAT = "dl4j";
    /** The DL4J version on the class path, read from its jar's Maven metadata without loading DL4J classes. */
    static final String DL4J_VERSION = frameworkVersion();

    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "Deeplearning4j " + DL4J_VERSION + " MultiLayerNetwork/ComputationGraph zips (ModelSerializer)";
    }

    @Override
    public OptionSpec options() {
        return Dl4jModel.options().build();
    }

    @Override
    public boolean accepts(ModelSource source) {
        if (source.isDirectory() || !startsWith(source.header(4), ZIP_MAGIC)) {
            return false;
        }
        try {
            Set<String> names = entryNames(source);
            return names.contains(ModelSerializer.CONFIGURATION_JSON) && names.contains(ModelSerializer.COEFFICIENTS_BIN);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        LoaderOptions options = LoaderOptions.of(config);
        String name = options.modelName(source);
        boolean graph;
        try {
            String json = readEntry(source, ModelSerializer.CONFIGURATION_JSON);
            if (json == null) {
                throw new ModelLoadException("model " + name + ": " + source + " is not a DL4J model zip (no "
                        + ModelSerializer.CONFIGURATION_JSON + ")");
            }
            // A ComputationGraph's configuration lists its network inputs; a MultiLayerNetwork's lists layer confs.
            graph = json.contains("\"networkInputs\"");
        } catch (IOException e) {
            throw new ModelLoadException("model " + name + ": cannot read " + source + " as a zip: " + e.getMessage(), e);
        }
        Map<String, String> properties = Map.of("source", source.name());
        try {
            if (graph) {
                var p = source.path().isPresent()
                        ? ModelSerializer.restoreComputationGraphAndNormalizer(file(source), false)
                        : ModelSerializer.restoreComputationGraphAndNormalizer(stream(source), false);
                return Dl4jModel.of(p.getFirst(), p.getSecond(), FORMAT, name, options, properties, null);
            }
            var p = source.path().isPresent()
                    ? ModelSerializer.restoreMultiLayerNetworkAndNormalizer(file(source), false)
                    : ModelSerializer.restoreMultiLayerNetworkAndNormalizer(stream(source), false);
            return Dl4jModel.of(p.getFirst(), p.getSecond(), FORMAT, name, options, properties, null);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("model " + name + ": cannot restore the DL4J " + (graph ? "ComputationGraph" : "MultiLayerNetwork")
                    + " from " + source + ": " + e, e);
        }
    }

    private static File file(ModelSource source) {
        return source.requirePath().toFile();
    }

    private static InputStream stream(ModelSource source) throws IOException {
        return new ByteArrayInputStream(source.readAllBytes());
    }

    private static boolean startsWith(byte[] header, byte[] magic) {
        if (header.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (header[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static Set<String> entryNames(ModelSource source) throws IOException {
        Set<String> names = new HashSet<>();
        if (source.path().isPresent()) {
            // ZipFile reads only the central directory at the end of the file.
            try (ZipFile zip = new ZipFile(source.requirePath().toFile())) {
                zip.stream().forEach(e -> names.add(e.getName()));
            }
            return names;
        }
        try (ZipInputStream zip = new ZipInputStream(source.open())) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                names.add(e.getName());
            }
        }
        return names;
    }

    /** @return the entry's text, or null when the zip has no such entry. */
    private static String readEntry(ModelSource source, String entry) throws IOException {
        if (source.path().isPresent()) {
            try (ZipFile zip = new ZipFile(source.requirePath().toFile())) {
                ZipEntry e = zip.getEntry(entry);
                if (e == null) {
                    return null;
                }
                try (InputStream in = zip.getInputStream(e)) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        try (ZipInputStream zip = new ZipInputStream(source.open())) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                if (e.getName().equals(entry)) {
                    return new String(zip.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

    private static String frameworkVersion() {
        try (InputStream in = Dl4jModelLoader.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.deeplearning4j/deeplearning4j-nn/pom.properties")) {
            if (in == null) {
                return "(version unknown)";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "(version unknown)");
        } catch (IOException e) {
            return "(version unknown)";
        }
    }
}
