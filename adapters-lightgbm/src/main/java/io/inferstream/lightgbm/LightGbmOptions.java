package io.inferstream.lightgbm;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import java.util.List;
import java.util.Map;

/**
 * The LightGBM adapter's loader options, read in this one place (in the engine's properties each key is prefixed
 * {@code model.config.}):
 * <ul>
 *   <li>{@value #CLASS_LABELS}: the labels of a classifier's classes in class-index order (LightGBM files hold
 *       class indices only); default {@code 0,1,...};</li>
 *   <li>{@value #INPUT_VECTOR}: when set, the model takes one input of that name holding every feature in the
 *       model's order, instead of one scalar field per feature;</li>
 *   <li>{@value #THREADS}: LightGBM threads per prediction call ({@code num_threads}), default 1, since the engine
 *       already scores on one thread per worker;</li>
 *   <li>{@code name}, {@code version}: as for every adapter.</li>
 * </ul>
 *
 * <p>Thread safety: immutable.
 */
final class LightGbmOptions {
    /** Option: class labels, comma-separated. */
    static final String CLASS_LABELS = "class.labels";
    /** Option: the name of a single vector input that replaces the per-feature fields. */
    static final String INPUT_VECTOR = "input.vector";
    /** Option: threads per call. */
    static final String THREADS = "threads";

    final String name;
    final String version;
    final List<String> classLabels;
    final String inputVector;
    final int threads;

    private LightGbmOptions(String name, String version, List<String> classLabels, String inputVector, int threads) {
        this.name = name;
        this.version = version;
        this.classLabels = classLabels;
        this.inputVector = inputVector;
        this.threads = threads;
    }

    static LightGbmOptions read(Map<String, ?> config, ModelSource source) throws ModelLoadException {
        LoaderOptions o = LoaderOptions.of(config);
        int threads = o.integer(THREADS, 1);
        if (threads < 1) {
            throw new ModelLoadException("option '" + THREADS + "' must be at least 1, not " + threads);
        }
        String vector = o.string(INPUT_VECTOR, "");
        return new LightGbmOptions(o.modelName(source), o.modelVersion(null), List.copyOf(o.list(CLASS_LABELS)),
                vector.isEmpty() ? null : vector, threads);
    }
}
