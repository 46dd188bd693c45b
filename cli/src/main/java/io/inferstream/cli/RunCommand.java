package io.inferstream.cli;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.engine.ModelSources;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code inferstream run --config app.properties}: validates the whole configuration and loads the model before
 * anything starts, then serves until SIGTERM / Ctrl-C (graceful: in-flight batches finish and are committed) or
 * a model failure (exit code 1, nothing committed past the last good batch).
 *
 * <p>Thread safety: runs on the main thread; the shutdown hook only calls the engine's thread-safe close().
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Serve a model on Kafka until stopped (SIGTERM/Ctrl-C stops gracefully): model.path (a file, or a "
            + "folder of numbered versions, watched) or model.topic + model.name (versions and routing from a model "
            + "topic). 'inferstream config-reference' lists every key."})
final class RunCommand extends Subcommand {
    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "The engine's configuration, a properties file (UTF-8); relative paths in it are relative to it.")
    Path configFile;

    @Option(names = "--status-interval-seconds", defaultValue = "10", paramLabel = "S",
            description = "Seconds between status lines (default: ${DEFAULT-VALUE}).")
    int statusSeconds;

    RunCommand(PrintStream out, PrintStream err) {
        super(out, err);
    }

    @Override
    public Integer call() {
        return run(configFile, Main.atLeast(spec, "--status-interval-seconds", statusSeconds, 1), out, err);
    }

    static int run(Path file, int statusSeconds, PrintStream out, PrintStream err) {
        EngineConfig config;
        try {
            config = load(file);
        } catch (IOException e) {
            err.println("inferstream run: cannot read " + file + ": " + e.getMessage());
            return 2;
        } catch (ConfigException e) {
            err.println("inferstream run: configuration error in " + file + ": " + e.getMessage());
            return 2;
        }
        ModelRegistry registry = ModelRegistry.discover();
        DeploymentSource source;
        try {
            source = ModelSources.fromConfig(config, registry, file.toAbsolutePath().getParent());
        } catch (ConfigException e) {
            err.println("inferstream run: configuration error in " + file + ": " + e.getMessage());
            return 2;
        }
        InferenceEngine engine;
        try {
            engine = InferenceEngine.start(config, source);
        } catch (ModelLoadException e) {
            String modelPath = config.getString(EngineConfig.MODEL_PATH);
            err.println("inferstream run: cannot load the model: " + (modelPath == null || modelPath.isBlank()
                    ? e.getMessage()
                    : InspectCommand.withHint(e, registry, ModelSource.of(Path.of(modelPath))).getMessage()));
            return 2;
        } catch (ConfigException e) {
            err.println("inferstream run: configuration error: " + e.getMessage());
            return 2;
        }
        Thread hook = new Thread(engine::close, "inferstream-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("inferstream: serving " + engine.deployments().peek().map(Deployment::describe).orElse("?")
                + " from " + engine.deployments().describeSource() + "; stop with Ctrl-C or SIGTERM");
        try {
            while (!engine.awaitTermination(Duration.ofSeconds(statusSeconds))) {
                out.println("inferstream: " + engine.metrics());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        engine.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running: that is how we got here
        }
        out.println("inferstream: " + engine.state().name().toLowerCase() + ": " + engine.metrics());
        if (engine.state() == EngineState.FAILED) {
            err.println("inferstream run: stopped by a failure: " + engine.failure().map(Throwable::toString).orElse("?"));
            return 1;
        }
        return 0;
    }

    /** Reads a properties file (UTF-8) into a validated configuration. */
    static EngineConfig load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return new EngineConfig(p);
    }
}
