package io.inferstream.lightgbm;

import io.inferstream.model.LoaderOptions;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import io.inferstream.model.tabular.BoosterOptions;
import java.util.Map;

/**
 * The LightGBM adapter's loader options: the boosters' shared ones ({@link BoosterOptions}: class labels, a vector
 * input, threads, which LightGBM calls {@code num_threads}) and {@code name}, {@code version} as for every adapter.
 *
 * <p>Thread safety: immutable.
 */
final class LightGbmOptions {
    /** Option: class labels, comma-separated. */
    static final String CLASS_LABELS = BoosterOptions.CLASS_LABELS;
    /** Option: the name of a single vector input that replaces the per-feature fields. */
    static final String INPUT_VECTOR = BoosterOptions.INPUT_VECTOR;
    /** Option: threads per call. */
    static final String THREADS = BoosterOptions.THREADS;

    final String name;
    final String version;
    /** Class labels, the vector input and threads, as every booster takes them. */
    final BoosterOptions booster;

    private LightGbmOptions(LoaderOptions o, ModelSource source) throws ModelLoadException {
        this.booster = BoosterOptions.read(o);
        this.name = o.modelName(source);
        this.version = o.modelVersion(null);
    }

    static LightGbmOptions read(Map<String, ?> config, ModelSource source) throws ModelLoadException {
        return new LightGbmOptions(LoaderOptions.of(config), source);
    }

    /** @return the options as the loader declares them (for validation, did-you-mean and the reference). */
    static OptionSpec spec() {
        return BoosterOptions.declare(OptionSpec.builder(), "", "Threads").build();
    }
}
