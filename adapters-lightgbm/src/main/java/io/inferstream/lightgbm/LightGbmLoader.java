package io.inferstream.lightgbm;

import io.inferstream.data.DataType;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelSource;
import io.inferstream.model.OptionSpec;
import io.inferstream.model.tabular.FeatureColumns;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Loads LightGBM models: format id {@value #FORMAT}; a text model as LightGBM saves it ({@code save_model},
 * {@code model_to_string}; it begins with the line {@code tree}), any file name.
 *
 * <p>Inputs are the model's feature names from the file, one scalar each (categorical features as integer codes),
 * or one vector; outputs depend on the objective ({@link LightGbmOutputs}); options in {@link LightGbmOptions}.
 * {@code inspect} shows the objective, class and feature counts, the trees, the categorical features and the
 * file's format version.
 *
 * <p>Thread safety: stateless and thread-safe; {@link #accepts} reads only the first bytes and never starts LightGBM.
 */
public final class LightGbmLoader implements ModelLoader {
    /** The format id. */
    public static final String FORMAT = "lightgbm";
    /** The LightGBM version lightgbm4j wraps. */
    static final String RUNTIME_VERSION = "4.3.0";

    /** A public no-argument constructor, for {@link java.util.ServiceLoader}. */
    public LightGbmLoader() {
    }

    @Override
    public OptionSpec options() {
        return LightGbmOptions.spec();
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String description() {
        return "LightGBM text model scored with LightGBM " + RUNTIME_VERSION + " (lightgbm4j)";
    }

    @Override
    public boolean accepts(ModelSource source) {
        return !source.isDirectory()
                && ModelHeader.looksLikeModel(new String(source.header(6), StandardCharsets.ISO_8859_1));
    }

    @Override
    public Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException {
        LightGbmOptions options = LightGbmOptions.read(config, source);
        String name = options.name;
        String text;
        ModelHeader header;
        try {
            byte[] bytes = source.readAllBytes();
            text = new String(bytes, StandardCharsets.UTF_8);
            header = ModelHeader.parse(text);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException("cannot load LightGBM model " + name + " from " + source + ": " + e.getMessage(), e);
        }
        LightGbmOutputs outputs;
        try {
            outputs = LightGbmOutputs.of(header.objective, header.numClass, options.booster.classLabels());
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException("LightGBM model " + name + ": " + e.getMessage(), e);
        }
        NativeBooster booster;
        try {
            // Without tree_sizes LightGBM parses the trees one after another, where its errors are reported; with
            // it, it parses them in parallel, and damage the checks above cannot see aborts the JVM.
            booster = NativeBooster.load(text.replaceFirst("(?m)^tree_sizes=.*\\R", ""));
        } catch (IOException e) {
            throw new ModelLoadException("cannot load LightGBM model " + name + " from " + source
                    + ": damaged or not saved by LightGBM: " + e.getMessage(), e);
        } catch (LinkageError e) {
            throw new ModelLoadException("LightGBM's native library (inside lightgbm4j) cannot be loaded on "
                    + System.getProperty("os.name") + "/" + System.getProperty("os.arch") + ": " + e, e);
        }
        if (booster.numClasses() != outputs.valuesPerRow()) {
            booster.free();
            throw new ModelLoadException("LightGBM model " + name + " predicts " + booster.numClasses()
                    + " values per row, but its objective " + header.objective + " says " + outputs.valuesPerRow());
        }
        FeatureColumns inputs = FeatureColumns.of(name, header.featureNames, header.categorical, DataType.DOUBLE,
                options.booster.inputVector(), LightGbmOptions.INPUT_VECTOR);
        ModelInfo.Builder info = ModelInfo.builder(FORMAT).name(name).version(options.version).threadSafe(true)
                .property("objective", header.objectiveLine)
                .property("num_class", Integer.toString(header.numClass))
                .property("num_feature", Integer.toString(header.featureNames.size()))
                .property("trees", Integer.toString(header.trees))
                .property("file.version", String.valueOf(header.version))
                .property("lightgbm.runtime", RUNTIME_VERSION)
                .property(LightGbmOptions.THREADS, Integer.toString(options.booster.threads()));
        if (!header.categoricalFeatures().isEmpty()) {
            info.property("categorical.features", String.join(",", header.categoricalFeatures()));
        }
        inputs.specs().forEach(info::input);
        outputs.specs().forEach(info::output);
        return new LightGbmModel(booster, info.build(), inputs, outputs, options.booster.threads());
    }
}
