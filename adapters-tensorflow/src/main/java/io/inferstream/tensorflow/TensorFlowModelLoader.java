package io.inferstream.tensorflow;

import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.LoaderOptions;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;

/**
 * Loads TensorFlow SavedModels (format id {@value #FORMAT}): a directory holding {@code saved_model.pb}, or the
 * same directory packed as {@code .zip}, {@code .tar.gz} or {@code .tgz}, on disk or in memory. An archive is
 * unpacked into a temporary directory that the model deletes when it is closed.
 *
 * <p>Options (all optional):
 * <ul>
 *   <li>{@value #TAGS}: comma-separated meta graph tags, default {@code serve};</li>
 *   <li>{@value #SIGNATURE}: the signature to serve, default {@code serving_default};</li>
 *   <li>{@value #EXAMPLE_FEATURES}: for a signature whose one input is a string of serialized
 *       {@code tf.Example}s (TF Serving's classify and regress), the features a record gives by name, e.g.
 *       {@code age:float,income:float,city:string}; the adapter writes each record's {@code tf.Example}
 *       (TF Serving's "examples" style). Without it, a record gives the serialized example itself;</li>
 *   <li>{@value #ARCHIVE_MAX_BYTES}, {@value #ARCHIVE_MAX_FILES}: caps on what an archive may unpack to
 *       (default 4 GiB and 10,000 files and folders); see {@link SavedModelArchive} for what else is refused;</li>
 *   <li>{@code name}, {@code version}: as for every adapter. By default the name is the directory's (or
 *       archive's) name and the version {@code 1}; for TF Serving's layout {@code <name>/<version>/saved_model.pb}
 *       they default to {@code <name>} and {@code <version>}.</li>
 * </ul>
 *
 * <p>{@link #accepts} claims a directory with {@code saved_model.pb}, a {@code .zip} that holds one (its entry
 * names are read, nothing is unpacked) and any {@code .tar.gz}/{@code .tgz}.
 *
 * <p>Before any native code runs, {@code saved_model.pb} is read as a protobuf so that a wrong tag set names
 * the tag sets the file does have. TensorFlow's native library is loaded once per JVM, on the first
 * {@link #load} (never by {@link #accepts}).
 *
 * <p>Thread safety: stateless and thread-safe; {@link #load} may be called concurrently.
 */
public final class TensorFlowModelLoader implements ModelLoader {
    /** The format id. */
    public static final String FORMAT = "tensorflow";
    /** Option: comma-separated meta graph tags to load. */
    public static final String TAGS = "tags";
    /** Option: the signature key to serve. */
    public static final String SIGNATURE = "signature";
    /**
     * Option: for a signature taking serialized {@code tf.Example}s, the features a record gives by name, each
     * {@code name:type} or {@code name:type[n]} with type {@code float}, {@code int64}, {@code string} or
     * {@code bytes} (e.g. {@code age:float,income:float,city:string}); the adapter writes the {@code tf.Example}.
     */
    public static final String EXAMPLE_FEATURES = "example.features";
    /**
     * Option: the most bytes an archive may unpack to, as a whole number of bytes or with a binary suffix
     * ({@code 512MiB}, {@code 8GiB}); default 4 GiB. Guards the disk against zip and gzip bombs.
     */
    public static final String ARCHIVE_MAX_BYTES = "archive.max.bytes";
    /** Option: the most files and folders an archive may unpack to; default 10,000. */
    public static final String ARCHIVE_MAX_FILES = "archive.max.files";
    /** Default tag, as written by Keras, the TF1 estimator exporters and TF Java. */
    public static final String DEFAULT_TAGS = "serve";
    /** Default signature key. */
    public static final String DEFAULT_SIGNATURE = "serving_default";

    private static final String SAVED_MODEL_PB = "saved_model.pb";

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "TensorFlow SavedModel (directory, .zip, .tar.gz) via TensorFlow Java";
    }

    @Override
    public OptionSpec options() {
        return OptionSpec.builder()
                .list(TAGS, DEFAULT_TAGS, "The meta graph tags to load.")
                .string(SIGNATURE, DEFAULT_SIGNATURE, "The signature to serve.")
                .list(EXAMPLE_FEATURES, null, "For a signature whose one input is a string of serialized tf.Examples "
                        + "(TF Serving's classify and regress): the features a record gives by name, each name:type or "
                        + "name:type[n] with type float, int64, string or bytes (e.g. age:float,income:float,"
                        + "city:string); the adapter writes each record's tf.Example. Without it, a record gives the "
                        + "serialized example itself.")
                .string(ARCHIVE_MAX_BYTES, "4GiB", "The most bytes an archive (.zip, .tar.gz) may unpack to, as a "
                        + "whole number of bytes or with a binary suffix (512MiB, 8GiB): guards the disk against zip "
                        + "and gzip bombs.")
                .integer(ARCHIVE_MAX_FILES, 10_000, 1, Integer.MAX_VALUE,
                        "The most files and folders an archive may unpack to.")
                .build();
    }

    @Override
    public boolean accepts(ModelSource source) {
        if (source.isDirectory()) {
            return isSavedModelDir(source.requirePath());
        }
        if (isSavedModelFile(source)) {
            return true;
        }
        if (source.lowerCaseName().endsWith(".zip")) {
            // Other formats ship as .zip too (H2O MOJOs): claim only zips that hold a saved_model.pb.
            return SavedModelArchive.zipHoldsSavedModel(source);
        }
        return SavedModelArchive.isArchiveName(source.lowerCaseName());
    }

    /** A user may point at the {@code saved_model.pb} file itself; its folder is then the SavedModel. */
    private static boolean isSavedModelFile(ModelSource source) {
        return source.path().isPresent() && source.name().equals(SAVED_MODEL_PB)
                && Files.isRegularFile(source.requirePath()) && source.requirePath().getParent() != null;
    }

    static boolean isSavedModelDir(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(SAVED_MODEL_PB));
    }

    @Override
    public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        LoaderOptions options = LoaderOptions.of(config);
        if (isSavedModelFile(source)) {
            source = ModelSource.of(source.requirePath().getParent());
        }
        String name = options.modelName(source);
        String version = null;
        Path servingBase = servingVersionDir(source);
        if (servingBase != null) {
            // TF Serving's layout, <name>/<version>/saved_model.pb: take both from it unless given.
            version = servingBase.getFileName().toString();
            if (options.string(LoaderOptions.NAME, null) == null) {
                name = servingBase.getParent().getFileName().toString();
            }
        }
        List<String> tags = options.list(TAGS);
        if (tags.isEmpty()) {
            tags = List.of(DEFAULT_TAGS);
        }
        String signatureKey = options.string(SIGNATURE, DEFAULT_SIGNATURE);

        SavedModelArchive.Limits limits = archiveLimits(options);
        Path unpacked = null;
        try {
            Path dir;
            if (source.isDirectory()) {
                dir = source.requirePath();
            } else if (SavedModelArchive.isArchiveName(source.lowerCaseName())) {
                unpacked = Files.createTempDirectory("inferstream-tf-");
                try (InputStream in = source.open()) {
                    SavedModelArchive.unpack(source.lowerCaseName(), in, unpacked, limits);
                } catch (SavedModelArchive.UnsafeArchiveException e) {
                    throw new ModelLoadException("TensorFlow model " + name + ": archive " + source.name()
                            + " refused, nothing of it kept: " + e.getMessage(), e);
                }
                dir = SavedModelArchive.findSavedModelRoot(unpacked);
                if (dir == null) {
                    throw new ModelLoadException("TensorFlow model " + name + ": archive " + source.name()
                            + " holds no SavedModel (no " + SAVED_MODEL_PB + " at its top or in its one top folder)");
                }
            } else {
                throw new ModelLoadException("TensorFlow model " + name + ": " + source
                        + " is neither a SavedModel directory nor a .zip/.tar.gz/.tgz archive of one");
            }
            if (!isSavedModelDir(dir)) {
                throw new ModelLoadException("TensorFlow model " + name + ": directory " + dir
                        + " is not a SavedModel (it has no " + SAVED_MODEL_PB + ")");
            }
            requireTags(name, dir, tags);
            Model model = open(name, options.modelVersion(version), dir, tags, signatureKey,
                    options.list(EXAMPLE_FEATURES), unpacked);
            unpacked = null; // the model owns it now
            return model;
        } catch (IOException e) {
            throw new ModelLoadException("TensorFlow model " + name + ": cannot read " + source + ": " + e, e);
        } finally {
            if (unpacked != null) {
                SavedModelArchive.deleteTree(unpacked);
            }
        }
    }

    private static SavedModelArchive.Limits archiveLimits(LoaderOptions options) throws ModelLoadException {
        long maxBytes = SavedModelArchive.DEFAULT_MAX_BYTES;
        String bytes = options.string(ARCHIVE_MAX_BYTES, null);
        if (bytes != null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,19})\\s*(|KiB|MiB|GiB|TiB)")
                    .matcher(bytes);
            int shift = m.matches() ? 10 * List.of("", "KiB", "MiB", "GiB", "TiB").indexOf(m.group(2)) : 0;
            try {
                maxBytes = m.matches() ? Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift) : -1;
            } catch (ArithmeticException | NumberFormatException e) {
                maxBytes = -1;
            }
            if (maxBytes < 1) {
                throw new ModelLoadException("option '" + ARCHIVE_MAX_BYTES + "' must be a positive number of bytes,"
                        + " optionally with KiB, MiB, GiB or TiB (e.g. 8GiB), not '" + bytes + "'");
            }
        }
        int maxFiles = options.integer(ARCHIVE_MAX_FILES, SavedModelArchive.DEFAULT_MAX_FILES);
        if (maxFiles < 1) {
            throw new ModelLoadException("option '" + ARCHIVE_MAX_FILES + "' must be at least 1, not " + maxFiles);
        }
        return new SavedModelArchive.Limits(maxBytes, maxFiles);
    }

    /** @return the source directory when it is a TF Serving version folder (all digits, with a parent), else null. */
    private static Path servingVersionDir(ModelSource source) {
        if (!source.isDirectory()) {
            return null;
        }
        Path dir = source.requirePath();
        Path parent = dir.getParent();
        boolean numbered = dir.getFileName() != null && dir.getFileName().toString().matches("[0-9]+");
        return numbered && parent != null && parent.getFileName() != null ? dir : null;
    }

    /** Reads the meta graph tag sets from the protobuf, so that a missing tag set is named without native code. */
    private static void requireTags(String name, Path dir, List<String> tags) throws ModelLoadException, IOException {
        SavedModel saved;
        try {
            saved = SavedModel.parseFrom(Files.readAllBytes(dir.resolve(SAVED_MODEL_PB)));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new ModelLoadException("TensorFlow model " + name + ": " + dir.resolve(SAVED_MODEL_PB)
                    + " is not a SavedModel protobuf: " + e.getMessage(), e);
        }
        List<List<String>> available = new ArrayList<>();
        Set<String> wanted = new HashSet<>(tags);
        for (MetaGraphDef mg : saved.getMetaGraphsList()) {
            List<String> have = mg.getMetaInfoDef().getTagsList();
            if (new HashSet<>(have).equals(wanted)) {
                return;
            }
            available.add(have);
        }
        throw new ModelLoadException("TensorFlow model " + name + " has no meta graph tagged " + tags
                + "; its tag sets are " + available + " (choose one with the 'tags' option)");
    }

    /** The examples style needs exactly one input that takes one serialized tf.Example per record. */
    private static ExampleEncoding examples(String name, SavedModelSignature signature, List<String> features)
            throws ModelLoadException {
        String where = "TensorFlow model " + name + ", signature '" + signature.key + "'";
        FieldSpec only = signature.inputs.size() == 1 ? signature.inputs.get(0).spec : null;
        if (only == null || only.type() != DataType.BYTES && only.type() != DataType.STRING || !only.isScalar()) {
            List<String> inputs = new ArrayList<>();
            signature.inputs.forEach(p -> inputs.add(p.spec.toString()));
            throw new ModelLoadException(where + ": option " + EXAMPLE_FEATURES + " needs a signature whose"
                    + " one input takes a serialized tf.Example per record (a string of shape [-1], as TF Serving's"
                    + " classify and regress signatures have); its inputs are " + inputs);
        }
        return ExampleEncoding.parse(where, features);
    }

    private static Model open(String name, String version, Path dir, List<String> tags, String signatureKey,
            List<String> exampleFeatures, Path unpacked) throws ModelLoadException {
        SavedModelBundle bundle;
        try {
            bundle = SavedModelBundle.loader(dir.toString()).withTags(tags.toArray(new String[0])).load();
        } catch (RuntimeException | LinkageError e) {
            throw new ModelLoadException("TensorFlow model " + name + ": TensorFlow could not load " + dir + " with tags "
                    + tags + ": " + e.getMessage(), e);
        }
        try {
            SavedModelSignature signature = SavedModelSignature.of(name, bundle.metaGraphDef(), signatureKey);
            ModelInfo.Builder info = ModelInfo.builder(FORMAT).name(name).version(version)
                    .threadSafe(true)
                    .property("signature", signatureKey)
                    .property("tags", String.join(",", tags))
                    .property("tensorflow.version", TensorFlow.version());
            if (!signature.methodName.isEmpty()) {
                info.property("method", signature.methodName);
            }
            ExampleEncoding examples = exampleFeatures.isEmpty() ? null : examples(name, signature, exampleFeatures);
            for (SavedModelSignature.Port p : signature.inputs) {
                if (examples == null) {
                    info.input(p.spec);
                }
                info.property("input." + p.spec.name() + ".tensor", p.tensorName);
            }
            if (examples != null) {
                examples.features().forEach(info::input);
                info.property(EXAMPLE_FEATURES, examples.describe());
                info.property("input." + signature.inputs.get(0).spec.name() + ".encoding", "a tf.Example per record,"
                        + " written by the adapter from the record's features (option " + EXAMPLE_FEATURES + ")");
            }
            for (SavedModelSignature.Port p : signature.outputs) {
                info.output(p.spec);
                info.property("output." + p.spec.name() + ".tensor", p.tensorName);
            }
            return new TensorFlowModel(info.build(), signature, examples, bundle, unpacked);
        } catch (ModelLoadException | RuntimeException e) {
            bundle.close();
            throw e;
        }
    }
}
