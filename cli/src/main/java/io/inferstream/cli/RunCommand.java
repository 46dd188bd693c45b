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
            + "folder of numbered versions, watched), model.url (a model server: http://host:8000/v2/models/NAME, "
            + "grpc://host:8001/NAME, or with model.format=tfserving http://host:8501/v1/models/NAME) or model.topic "
            + "+ model.name (versions and routing from a model topic). 'inferstream config-reference' lists every key."})
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
                    : InspectCommand.withHint(e, registry, ModelSource.parse(modelPath,
                            file.toAbsolutePath().getParent())).getMessage()));
            return 2;
        } catch (ConfigException e) {
            err.println("inferstream run: configuration error: " + e.getMessage());
            return 2;
        }
        // SIGTERM and Ctrl-C are the normal way to stop serving, so they must end in the normal exit path (exit 0,
        // or 1 if the engine failed), not in the JVM's signal exit (143/130), which a supervisor records as a crash.
        StopSignals.install(engine, err);
        // Still there for other ways the JVM may shut down (SIGHUP, or a signal we could not take over).
        Thread hook = new Thread(engine::close, "inferstream-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("inferstream: serving " + engine.deployments().peek().map(Deployment::describe).orElse("?")
                + " from " + engine.deployments().describeSource() + "; stop with Ctrl-C or SIGTERM");
        try {
            while (!engine.awaitTermination(Duration.ofSeconds(statusSeconds))) {
                out.println("inferstream: " + status(engine));
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

    /**
     * Takes over SIGTERM and SIGINT so that a stop request closes the engine gracefully and {@link #run} returns
     * its exit code as usual.
     *
     * <p>Why not a shutdown hook that ends with {@code Runtime.halt(0)}: once the JVM has begun shutting down on a
     * signal its exit status is 128+signal whatever main returns, and halting from one hook cuts the others short
     * (logging, Kafka's own) at an arbitrary point. With the signal handled, the JVM is not shutting down: the
     * main thread sees the engine end, prints the summary and calls {@code System.exit} with 0, or 1 if the engine
     * had failed, and every hook runs normally.
     *
     * <p>A second signal while the graceful stop is still under way ends the process at once (status 128+signal,
     * offsets of in-flight batches uncommitted, so they are read again: at-least-once), as an impatient operator
     * expects from a second Ctrl-C.
     *
     * <p>Thread safety: the JVM runs each handler on a thread of its own; the flag is atomic and
     * {@code InferenceEngine.close()} (like any {@code stop} given) is thread-safe and idempotent.
     */
    static final class StopSignals {
        private static final String[] SIGNALS = {"TERM", "INT"};

        private StopSignals() {
        }

        static void install(InferenceEngine engine, PrintStream err) {
            install(engine::close, "in-flight batches finish and are committed",
                    "uncommitted records will be consumed again", err);
        }

        /**
         * @param stop closes what runs, gracefully; thread-safe and idempotent
         * @param graceful what a graceful stop finishes, for the first signal's message
         * @param abrupt what an immediate exit leaves undone, for the second signal's message
         */
        static void install(Runnable stop, String graceful, String abrupt, PrintStream err) {
            java.util.concurrent.atomic.AtomicBoolean stopping = new java.util.concurrent.atomic.AtomicBoolean();
            for (String name : SIGNALS) {
                try {
                    sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                        if (stopping.compareAndSet(false, true)) {
                            err.println("inferstream: SIG" + signal.getName() + " received, stopping gracefully "
                                    + "(" + graceful + "; signal again to exit at once)");
                            // On a thread of its own: close() waits for the workers and the handler must return.
                            Thread closer = new Thread(stop, "inferstream-stop");
                            closer.start();
                        } else {
                            err.println("inferstream: second SIG" + signal.getName() + ", exiting without waiting; "
                                    + abrupt);
                            err.flush();
                            Runtime.getRuntime().halt(128 + signal.getNumber());
                        }
                    });
                } catch (IllegalArgumentException unavailable) {
                    // e.g. the JVM runs with -Xrs or the platform has no such signal: the shutdown hook still stops
                    // the engine gracefully, only the exit status is then the JVM's own.
                    err.println("inferstream: cannot handle SIG" + name + " (" + unavailable.getMessage()
                            + "); stopping on it still closes the engine gracefully, but exits with status "
                            + "128+signal");
                }
            }
        }
    }

    /** @return the status line: what the engine waits for when it has nothing to show, else its counters. */
    static String status(InferenceEngine engine) {
        if (!engine.clusterReachable()) {
            return "waiting for the Kafka cluster, which does not answer; " + engine.metrics();
        }
        if (engine.metrics().assignedPartitions() == 0) {
            return "waiting for partitions: the consumer group is (re)balancing or has more members than input "
                    + "partitions; " + engine.metrics();
        }
        return engine.metrics().toString();
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
