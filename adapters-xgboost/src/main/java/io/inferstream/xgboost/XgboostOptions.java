package io.inferstream.xgboost;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import io.inferstream.model.tabular.BoosterOptions;
import java.util.List;
import java.util.Map;

/**
 * The XGBoost adapter's loader options, declared and read in this one place; class labels, the vector input and threads
 * are the boosters' shared ones ({@link BoosterOptions}) (in the engine's properties each key is prefixed
 * {@code model.config.}):
 * <ul>
 *   <li>{@value #CLASS_LABELS}: the class labels of a classifier, in the order of its classes (XGBoost files hold
 *       only class indices); default {@code 0,1,...};</li>
 *   <li>{@value #FEATURE_NAMES}: the features' names, in order, for a file that keeps none (the old binary format
 *       never does; a model trained on a plain array has none either); default XGBoost's {@code f0..f<n-1>}. For a
 *       file with names of its own the option must repeat them;</li>
 *   <li>{@value #INPUT_VECTOR}: when set, the model takes one input of that name holding all its features as one
 *       vector, in the model's feature order, instead of one scalar field per feature;</li>
 *   <li>{@value #BEST_ITERATION}: {@code true} (default) scores with the trees up to the best iteration the model
 *       records (early stopping), as XGBoost's scikit-learn wrapper does; {@code false} uses every tree, as
 *       {@code Booster.predict} does;</li>
 *   <li>{@value #THREADS}: OpenMP threads per prediction call, default 1, since the engine already scores on one
 *       thread per worker;</li>
 *   <li>{@code name}, {@code version}: as for every adapter.</li>
 * </ul>
 *
 * <p>Thread safety: immutable.
 */
final class XgboostOptions {
    /** Option: class labels, comma-separated. */
    static final String CLASS_LABELS = BoosterOptions.CLASS_LABELS;
    /** Option: feature names for a model file without them, comma-separated. */
    static final String FEATURE_NAMES = "feature.names";
    /** Option: the name of a single vector input that replaces the per-feature fields. */
    static final String INPUT_VECTOR = BoosterOptions.INPUT_VECTOR;
    /** Option: whether to stop at the recorded best iteration. */
    static final String BEST_ITERATION = "best.iteration";
    /** Option: OpenMP threads per call. */
    static final String THREADS = BoosterOptions.THREADS;

    final String name;
    final String version;
    /** Class labels, the vector input and threads, as every booster takes them. */
    final BoosterOptions booster;
    final List<String> featureNames;
    final boolean bestIteration;

    private XgboostOptions(LoaderOptions o, ModelSource source) throws ModelLoadException {
        this.booster = BoosterOptions.read(o);
        this.name = o.modelName(source);
        this.version = o.modelVersion(null);
        this.featureNames = List.copyOf(o.list(FEATURE_NAMES));
        this.bestIteration = o.bool(BEST_ITERATION, true);
    }

    static XgboostOptions read(Map<String, ?> config, ModelSource source) throws ModelLoadException {
        return new XgboostOptions(LoaderOptions.of(config), source);
    }

    /** @return the options as the loader declares them (for validation, did-you-mean and the reference). */
    static OptionSpec spec() {
        return BoosterOptions.declare(OptionSpec.builder(), "XGBoost files hold only class indices", "OpenMP threads")
                .list(FEATURE_NAMES, "", "The features' names, in order, for a file that keeps none (the old binary "
                        + "format never does); default the model's own names, else f0..f<n-1>. For a file with names "
                        + "of its own the option must repeat them.")
                .bool(BEST_ITERATION, true, "Score with the trees up to the best iteration the model records (early "
                        + "stopping), as XGBoost's scikit-learn wrapper does; false uses every tree.")
                .build();
    }
}
