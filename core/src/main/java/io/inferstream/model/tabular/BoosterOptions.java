package io.inferstream.model.tabular;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.OptionSpec;
import java.util.List;

/**
 * The loader options every tree booster adapter (XGBoost, LightGBM) takes, declared and read in this one place (in
 * the engine's properties each key is prefixed {@code model.config.}):
 * <ul>
 *   <li>{@value #CLASS_LABELS}: the labels of a classifier's classes in class-index order (booster files hold class
 *       indices only); default {@code 0,1,...};</li>
 *   <li>{@value #INPUT_VECTOR}: when set, the model takes one input of that name holding every feature in the
 *       model's order, instead of one scalar field per feature ({@link FeatureColumns});</li>
 *   <li>{@value #THREADS}: the booster's threads per prediction call, default 1, since the engine already scores on
 *       one thread per worker.</li>
 * </ul>
 * An adapter declares them with {@link #declare} next to its own options and reads them with {@link #read}.
 *
 * <p>Thread safety: immutable.
 */
public final class BoosterOptions {
    /** Option: class labels, comma-separated. */
    public static final String CLASS_LABELS = "class.labels";
    /** Option: the name of a single vector input that replaces the per-feature fields. */
    public static final String INPUT_VECTOR = "input.vector";
    /** Option: the booster's threads per prediction call. */
    public static final String THREADS = "threads";

    private final List<String> classLabels;
    private final String inputVector;
    private final int threads;

    private BoosterOptions(List<String> classLabels, String inputVector, int threads) {
        this.classLabels = classLabels;
        this.inputVector = inputVector;
        this.threads = threads;
    }

    /**
     * @throws ModelLoadException if {@value #THREADS} is not a whole number of at least 1
     */
    public static BoosterOptions read(LoaderOptions options) throws ModelLoadException {
        int threads = options.integer(THREADS, 1);
        if (threads < 1) {
            throw new ModelLoadException("option '" + THREADS + "' must be at least 1, not " + threads);
        }
        String vector = options.string(INPUT_VECTOR, "");
        return new BoosterOptions(List.copyOf(options.list(CLASS_LABELS)), vector.isEmpty() ? null : vector, threads);
    }

    /**
     * Declares the three options, in this order (the configuration reference's), for the adapter to add its own.
     *
     * @param classLabelsNote what this booster's files hold, in parentheses after the labels' description, or empty
     * @param threadsKind what the threads are, e.g. "OpenMP threads"
     */
    public static OptionSpec.Builder declare(OptionSpec.Builder spec, String classLabelsNote, String threadsKind) {
        return spec
                .list(CLASS_LABELS, "", "Class labels of a classifier, in the order of its classes"
                        + (classLabelsNote.isEmpty() ? "" : " (" + classLabelsNote + ")") + "; default 0,1,...")
                .string(INPUT_VECTOR, "", "When set, the model takes one input of this name holding all its features "
                        + "as one vector, in the model's feature order, instead of one field per feature.")
                .integer(THREADS, 1, 1, 1024, threadsKind + " per prediction call; the engine already scores on one "
                        + "thread per worker.");
    }

    /** @return the classifier's labels in class-index order, empty for the default {@code 0,1,...} */
    public List<String> classLabels() {
        return classLabels;
    }

    /** @return the single vector input's name, or null when each feature is a field of its own */
    public String inputVector() {
        return inputVector;
    }

    /** @return the booster's threads per prediction call */
    public int threads() {
        return threads;
    }
}
