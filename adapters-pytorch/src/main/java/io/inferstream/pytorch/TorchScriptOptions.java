package io.inferstream.pytorch;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import java.util.List;
import java.util.Map;

/**
 * The PyTorch adapter's loader options, read in this one place (in the engine's properties each key is prefixed
 * {@code model.config.}). TorchScript files keep their inputs' names (the {@code forward} signature) but neither
 * their element types nor their shapes, so those can be given here or in a sidecar file ({@link TorchSignature}).
 *
 * <p>Thread safety: immutable.
 */
final class TorchScriptOptions {
    /** Option: the inputs' names, in the order of {@code forward}'s parameters. */
    static final String INPUT_NAMES = "input.names";
    /** Option: the inputs' element types (float32, float64, int64), one for all or one per input. */
    static final String INPUT_TYPES = "input.types";
    /** Option: each input's per-record shape, inputs separated by ';', dimensions by ','. */
    static final String INPUT_SHAPES = "input.shapes";
    /** Option: names for the outputs of a module that returns a tensor, tuple or list. */
    static final String OUTPUT_NAMES = "output.names";
    /** Option: libtorch intra-op threads per scoring thread. */
    static final String THREADS = "threads";
    /** Option: whether workers may share one module. */
    static final String THREAD_SAFE = "thread.safe";

    final String name;
    final String version;
    final List<String> inputNames;
    final List<String> inputTypes;
    final String inputShapes;
    final List<String> outputNames;
    final int threads;
    final boolean threadSafe;

    private TorchScriptOptions(LoaderOptions o, ModelSource source) throws ModelLoadException {
        name = o.modelName(source);
        version = o.modelVersion(null);
        inputNames = List.copyOf(o.list(INPUT_NAMES));
        inputTypes = List.copyOf(o.list(INPUT_TYPES));
        inputShapes = o.string(INPUT_SHAPES, "");
        outputNames = List.copyOf(o.list(OUTPUT_NAMES));
        threads = o.integer(THREADS, 1);
        threadSafe = o.bool(THREAD_SAFE, true);
        if (threads < 1) {
            throw new ModelLoadException("option '" + THREADS + "' must be at least 1, not " + threads);
        }
    }

    static TorchScriptOptions read(Map<String, ?> config, ModelSource source) throws ModelLoadException {
        return new TorchScriptOptions(LoaderOptions.of(config), source);
    }

    /** @return the options as the loader declares them (for validation, did-you-mean and the reference). */
    static OptionSpec spec() {
        return OptionSpec.builder()
                .list(INPUT_NAMES, "", "The inputs' names, in the order of forward's parameters; default the names in "
                        + "the file's forward signature.")
                .list(INPUT_TYPES, "", "The inputs' element types (float32, float64 or int64): one for every input or "
                        + "one per input; default the sidecar file's, else float32.")
                .string(INPUT_SHAPES, "", "Each input's shape per record, without the batch dimension: inputs "
                        + "separated by ';', dimensions by ',', -1 for any (e.g. '4' or '3;2'); default the sidecar "
                        + "file's, else a vector of any length.")
                .list(OUTPUT_NAMES, "", "Names of the outputs of a module returning a tensor, tuple or list, in "
                        + "order; default 'output' for one tensor, output0, output1... for a tuple or list. A dict "
                        + "output keeps its own keys.")
                .integer(THREADS, 1, 1, 1024, "libtorch intra-op threads for each scoring thread; the engine "
                        + "already scores on one thread per worker.")
                .bool(THREAD_SAFE, true, "Whether the engine's workers may share one loaded module (TorchScript "
                        + "inference is thread-safe); false gives each worker its own copy.")
                .build();
    }
}
