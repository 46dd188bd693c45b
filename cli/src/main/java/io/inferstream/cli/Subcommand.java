package io.inferstream.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command of {@code bin/inferstream} has: where it prints, and its picocli spec (to report a usage mistake
 * found after parsing). {@link #call()} returns the exit code.
 *
 * <p>Thread safety: not thread-safe; one instance per command line, used on the main thread.
 */
abstract class Subcommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    final PrintStream out;
    final PrintStream err;

    Subcommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }
}
