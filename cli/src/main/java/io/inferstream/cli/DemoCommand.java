package io.inferstream.cli;

import java.io.PrintStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code inferstream demo}: the options; the demo itself is {@link DemoRun}. The demo needs an in-process Kafka broker,
 * which lives in the sandbox module: that is an optional class path entry ({@code bin/inferstream} adds it for
 * {@code demo} only), so this class must not touch a sandbox class before it has checked that the sandbox is there.
 *
 * <p>Thread safety: runs on the main thread.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Start a Kafka broker in-process on 127.0.0.1, make an ONNX model, stream synthetic events "
            + "through the engine (a few deliberately bad), and print a summary; exits 1 if any record is unaccounted "
            + "for or any checked prediction is wrong."})
final class DemoCommand extends Subcommand {
    static final String BROKER_CLASS = "io.inferstream.sandbox.kafka.EmbeddedKafkaBroker";


    @Option(names = "--records", defaultValue = "20000", paramLabel = "N", description = "Events to stream (default: ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "T", description = "Worker threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--batch-size", defaultValue = "500", paramLabel = "B",
            description = "Most records per model call (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "EVENTS_PER_S",
            description = "Events produced per second; 0 (default): as fast as possible.")
    int rate;

    @Option(names = "--bad-every", defaultValue = "500", paramLabel = "K",
            description = "Every K-th event is deliberately bad; 0: none (default: ${DEFAULT-VALUE}).")
    int badEvery;

    @Option(names = "--hot-swap", description = "Serve from a model topic and swap to version 2 midway.")
    boolean hotSwap;

    DemoCommand(PrintStream out, PrintStream err) {
        super(out, err);
    }

    @Override
    public Integer call() {
        Main.atLeast(spec, "--records", records, 1);
        Main.atLeast(spec, "--threads", threads, 1);
        Main.atLeast(spec, "--batch-size", batchSize, 1);
        Main.atLeast(spec, "--rate", rate, 0);
        Main.atLeast(spec, "--bad-every", badEvery, 0);
        try {
            Class.forName(BROKER_CLASS, false, DemoCommand.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            err.println("inferstream demo: the demo's in-process Kafka broker (inferstream-sandbox) is not on the class "
                    + "path. bin/inferstream adds it for 'demo' (from the repository: cli/target/demo-lib/; from the "
                    + "distribution: lib/demo/).");
            return 2;
        }
        return DemoRun.run(records, threads, batchSize, badEvery, rate, hotSwap, out, err);
    }
}
