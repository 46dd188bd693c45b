package io.inferstream.cli;

import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The options that name a model for the offline commands ({@code inspect}, {@code score}), and its loading.
 *
 * <p>Thread safety: not thread-safe; filled in by picocli on the main thread.
 */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "Model file or directory (an ONNX file, a SavedModel, a MOJO zip, ...).")
    Path model;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Format id (see 'inferstream formats'); default: inferred from the model.")
    String format;

    @Option(names = "--option", paramLabel = "KEY=VALUE",
            description = "An option for the model loader (the engine's model.config.* keys); repeatable.")
    Map<String, String> options = new LinkedHashMap<>();

    /** Loads the model named by {@code --model}, {@code --format} and {@code --option key=value}. */
    Model load(CommandSpec spec) throws ModelLoadException {
        if (!Files.exists(model)) {
            throw Main.usage(spec, "model " + model + " does not exist");
        }
        ModelRegistry registry = ModelRegistry.discover();
        ModelSource source = ModelSource.of(model);
        try {
            return registry.load(source, format, options);
        } catch (ModelLoadException e) {
            throw InspectCommand.withHint(e, registry, source);
        }
    }
}
