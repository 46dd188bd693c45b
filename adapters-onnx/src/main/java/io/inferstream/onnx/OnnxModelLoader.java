package io.inferstream.onnx;

import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.LoaderOptions;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Loads ONNX models (format {@value #FORMAT}) into ONNX Runtime, CPU execution.
 *
 * <p>Options (besides {@code name} and {@code version}, see {@link LoaderOptions}):
 * <ul>
 *   <li>{@value #INTRA_OP_THREADS} (default 1): threads ONNX Runtime may use inside one run. The engine already
 *       runs one worker per thread, so more only pays for a large model served by few workers; 0 lets ONNX
 *       Runtime pick (one per core).</li>
 *   <li>{@value #OPTIMIZATION} (default {@code all}): graph optimisation level, one of {@code none}, {@code basic},
 *       {@code extended}, {@code all}.</li>
 * </ul>
 *
 * <p>{@link #accepts} recognises a {@code .onnx} name or the protobuf header ONNX files start with, without
 * loading the native library; the library loads (and extracts itself to {@code java.io.tmpdir}) on the first
 * {@link #load}.
 *
 * <p>Thread safety: thread-safe and stateless; loads may run concurrently.
 */
public final class OnnxModelLoader implements ModelLoader {
    /** The format id. */
    public static final String FORMAT = "onnx";
    /** Option: threads per session run ({@code intra_op_num_threads}); default 1. */
    public static final String INTRA_OP_THREADS = "intra.op.threads";
    /** Option: graph optimisation level, {@code none|basic|extended|all}; default {@code all}. */
    public static final String OPTIMIZATION = "optimization";

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "ONNX models on ONNX Runtime (CPU)";
    }

    @Override
    public OptionSpec options() {
        return OptionSpec.builder()
                .integer(INTRA_OP_THREADS, 1, 0, 1024, "Threads ONNX Runtime may use inside one run. The engine "
                        + "already runs one worker per thread, so more only pays for a large model served by few "
                        + "workers; 0 lets ONNX Runtime pick (one per core).")
                .string(OPTIMIZATION, "all", "Graph optimisation level.", "none", "basic", "extended", "all")
                .build();
    }

    @Override
    public boolean accepts(ModelSource source) {
        if (source.isDirectory()) {
            return false;
        }
        return source.lowerCaseName().endsWith(".onnx") || looksLikeOnnx(source.header(3));
    }

    /**
     * A ModelProto written by any exporter starts with field 1 (ir_version, a small varint: 3 to 15 in every ONNX
     * release so far) followed by another ModelProto field tag. A TensorFlow saved_model.pb also starts with
     * field 1, but with the value 1, so it is not mistaken for ONNX.
     */
    static boolean looksLikeOnnx(byte[] h) {
        if (h.length < 3 || h[0] != 0x08 || h[1] < 3 || h[1] > 15) {
            return false;
        }
        switch (h[2]) {
            case 0x12: // producer_name
            case 0x1a: // producer_version
            case 0x22: // domain
            case 0x28: // model_version
            case 0x32: // doc_string
            case 0x3a: // graph
            case 0x42: // opset_import
            case 0x72: // metadata_props
                return true;
            default:
                return false;
        }
    }

    @Override
    public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        LoaderOptions options = LoaderOptions.of(config);
        String name = options.modelName(source);
        int threads = options.integer(INTRA_OP_THREADS, 1);
        if (threads < 0) {
            throw new ModelLoadException("ONNX model " + name + ": option '" + INTRA_OP_THREADS + "' must be 0 or more, not "
                    + threads);
        }
        OrtSession.SessionOptions.OptLevel level = optimization(options.string(OPTIMIZATION, "all"), name);
        byte[] bytes = null;
        Path path = source.path().orElse(null);
        try {
            if (path == null) {
                bytes = source.readAllBytes();
            } else if (!Files.isRegularFile(path)) {
                throw new ModelLoadException("ONNX model " + name + ": " + path + " is not a file");
            }
            if ((path == null ? bytes.length : Files.size(path)) == 0) {
                throw new ModelLoadException("ONNX model " + name + ": " + source + " is empty");
            }
        } catch (IOException e) {
            throw new ModelLoadException("ONNX model " + name + ": cannot read " + source + ": " + e, e);
        }
        OrtEnvironment environment = environment(name);
        OrtSession session;
        try {
            byte[] modelBytes = bytes;
            // On a large stack: session creation is native work as deep as the environment's (see OrtRuntime).
            session = OrtRuntime.onLargeStack(() -> {
                try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
                    sessionOptions.setIntraOpNumThreads(threads);
                    sessionOptions.setOptimizationLevel(level);
                    return path != null ? environment.createSession(path.toString(), sessionOptions)
                            : environment.createSession(modelBytes, sessionOptions);
                }
            });
        } catch (OrtException e) {
            throw new ModelLoadException("ONNX model " + name + ": ONNX Runtime cannot load " + source + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new ModelLoadException("ONNX model " + name + ": ONNX Runtime cannot load " + source + ": " + e, e);
        }
        try {
            byte[] inMemory = bytes;
            OnnxSignature signature = OnnxSignature.read(session, name,
                    () -> inMemory != null ? inMemory : readQuietly(path));
            return new OnnxModel(environment, session, signature, info(session, signature, name, options, threads));
        } catch (OrtException | ModelLoadException | RuntimeException e) {
            closeQuietly(session);
            if (e instanceof ModelLoadException) {
                throw (ModelLoadException) e;
            }
            throw new ModelLoadException("ONNX model " + name + ": cannot read its signature: " + e.getMessage(), e);
        }
    }

    /** ONNX Runtime reports an unset model_version as Long.MAX_VALUE; only a real one names the version. */
    private static String modelVersion(long version) {
        return version > 0 && version != Long.MAX_VALUE ? Long.toString(version) : null;
    }

    private static ModelInfo info(OrtSession session, OnnxSignature signature, String name, LoaderOptions options,
            int threads) throws OrtException {
        OnnxModelMetadata meta = session.getMetadata();
        ModelInfo.Builder b = ModelInfo.builder(FORMAT)
                .name(name)
                .version(options.modelVersion(modelVersion(meta.getVersion())))
                .threadSafe(true);
        signature.inputs.forEach(b::input);
        signature.outputs.forEach(o -> b.output(o.spec));
        putIfPresent(b, "producer", meta.getProducerName());
        putIfPresent(b, "graph", meta.getGraphName());
        putIfPresent(b, "domain", meta.getDomain());
        putIfPresent(b, "description", meta.getDescription());
        meta.getCustomMetadata().forEach((k, v) -> b.property("metadata." + k, v));
        b.property("onnxruntime.version", OrtRuntime.environment().getVersion());
        b.property(INTRA_OP_THREADS, Integer.toString(threads));
        b.property("batching", signature.maxRowsPerRun == 1
                ? "one record per run (the model fixes its batch dimension at 1)" : "one run per batch");
        if (signature.probabilityMaps != null) {
            b.property("classifier.probabilities", signature.probabilityMaps.spec.name());
            FieldSpec labels = signature.labels == null ? null : signature.labels.spec;
            b.property("classifier.label", labels == null ? "(most probable class)" : labels.name());
            if (!signature.probabilityMaps.classes.isEmpty()) {
                b.property("classifier.classes", String.join(",", signature.probabilityMaps.classes));
            }
        }
        return b.build();
    }

    private static void putIfPresent(ModelInfo.Builder b, String key, String value) {
        if (value != null && !value.isBlank()) {
            b.property(key, value);
        }
    }

    private static OrtEnvironment environment(String name) throws ModelLoadException {
        try {
            return OrtRuntime.environment();
        } catch (LinkageError e) {
            throw new ModelLoadException("ONNX model " + name + ": ONNX Runtime cannot start on this machine ("
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + "): " + e, e);
        }
    }

    private static OrtSession.SessionOptions.OptLevel optimization(String value, String name) throws ModelLoadException {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "none": return OrtSession.SessionOptions.OptLevel.NO_OPT;
            case "basic": return OrtSession.SessionOptions.OptLevel.BASIC_OPT;
            case "extended": return OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
            case "all": return OrtSession.SessionOptions.OptLevel.ALL_OPT;
            default:
                throw new ModelLoadException("ONNX model " + name + ": option '" + OPTIMIZATION
                        + "' must be none, basic, extended or all, not '" + value + "'");
        }
    }

    /** @return the file's bytes, or null: ONNX Runtime has read it already, so a failure here is only a lost nicety. */
    private static byte[] readQuietly(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException | OutOfMemoryError e) {
            return null;
        }
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException | RuntimeException ignored) {
            // Already failing with a clearer error; a failed close of a half-built session adds nothing.
        }
    }
}
