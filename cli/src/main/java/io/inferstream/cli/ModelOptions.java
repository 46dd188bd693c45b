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
    @Option(names = "--model", required = true, paramLabel = "PATH|URL",
            description = "Model file or directory (an ONNX file, a SavedModel, a MOJO zip, ...), or a model server's "
                    + "address (http://host:8000/v2/models/NAME, grpc://host:8001/NAME, or with --format tfserving "
                    + "http://host:8501/v1/models/NAME).")
    String model;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "Format id (see 'inferstream formats'); default: inferred from the model.")
    String format;

    @Option(names = "--option", paramLabel = "KEY=VALUE",
            description = "An option for the model loader (the engine's model.config.* keys); repeatable.")
    Map<String, String> options = new LinkedHashMap<>();

    /** Loads the model named by {@code --model}, {@code --format} and {@code --option key=value}. */
    Model load(CommandSpec spec) throws ModelLoadException {
        ModelSource source;
        try {
            source = ModelSource.parse(model, Path.of(""));
        } catch (IllegalArgumentException e) {
            throw Main.usage(spec, e.getMessage());
        }
        if (!source.isRemote() && !Files.exists(source.requirePath())) {
            throw Main.usage(spec, "model " + model + " does not exist");
        }
        ModelRegistry registry = ModelRegistry.discover();
        try {
            return registry.load(source, format, options);
        } catch (ModelLoadException e) {
            throw InspectCommand.withHint(e, registry, source);
        }
    }
}
