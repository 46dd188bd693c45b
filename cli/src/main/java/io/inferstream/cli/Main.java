package io.inferstream.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Entry point of {@code bin/inferstream}: picocli subcommands, each with {@code --help}. Exit codes: 0 success,
 * 1 failure at run time (a model failure, records unaccounted for), 2 a usage or configuration mistake.
 *
 * <p>Thread safety: runs on the main thread.
 */
@Command(name = "inferstream", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Real-time ML inference on Apache Kafka, for models from any framework.",
        synopsisSubcommandLabel = "COMMAND",
        footer = {"", "Exit codes: 0 success, 1 failure while running, 2 a usage or configuration mistake.",
            "PMML models need INFERSTREAM_PMML=1: the PMML adapter uses the AGPL-3.0 jpmml evaluator and is not part of",
            "the CLI by default. 'inferstream COMMAND --help' explains a command; 'source <(inferstream",
            "generate-completion)' adds tab completion to bash or zsh."})
public final class Main implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private final PrintStream out;

    private Main(PrintStream out) {
        this.out = out;
    }

    /** No command: the usage, and the exit code of a usage mistake. */
    @Override
    public Integer call() {
        spec.commandLine().usage(out);
        return CommandLine.ExitCode.USAGE;
    }

    public static void main(String[] args) {
        // JavaCPP prints its warnings (e.g. its version against DL4J's natives) straight to stderr unless told to use
        // slf4j, where simplelogger.properties keeps them below the level shown by default.
        if (System.getProperty("org.bytedeco.javacpp.logger") == null) {
            System.setProperty("org.bytedeco.javacpp.logger", "slf4j");
        }
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command; returns its exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args);
    }

    /** The whole command tree, printing to {@code out} and {@code err}. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Main(out))
                .addSubcommand(new RunCommand(out, err))
                .addSubcommand(new InspectCommand(out, err))
                .addSubcommand(new ScoreCommand(out, err))
                .addSubcommand(new ServeCommand(out, err))
                .addSubcommand(new DemoCommand(out, err))
                .addSubcommand(new ModelTopicCommands.Publish(out, err))
                .addSubcommand(new ModelTopicCommands.Route(out, err))
                .addSubcommand(new ModelTopicCommands.Models(out, err))
                .addSubcommand(new SignModelCommand(out, err))
                .addSubcommand(new FormatsCommand(out, err))
                .addSubcommand(new ConfigReferenceCommand(out, err))
                .addSubcommand(new AutoComplete.GenerateCompletion())
                .addSubcommand(new CommandLine.HelpCommand());
        // Counts may be written 20_000, as in Java; registered after the subcommands so that they all get it.
        CommandLine.ITypeConverter<Integer> integer = s -> Integer.valueOf(s.replace("_", ""));
        cli.registerConverter(Integer.class, integer);
        cli.registerConverter(int.class, integer);
        cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cli.setParameterExceptionHandler((e, argv) -> {
            CommandLine command = e.getCommandLine();
            // A misspelt option also leaves a required one missing; the misspelling is what the user needs to see.
            if (e instanceof CommandLine.MissingParameterException && !command.getUnmatchedArguments().isEmpty()) {
                e = new CommandLine.UnmatchedArgumentException(command, command.getUnmatchedArguments());
            }
            String name = command.getCommandSpec().qualifiedName();
            command.getErr().println(name + ": " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, command.getErr());
            command.getErr().println();
            command.usage(command.getErr());
            return CommandLine.ExitCode.USAGE;
        });
        return cli;
    }

    /** A mistake in the command line found after parsing: shown with the command's usage, exit code 2. */
    static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Checks a lower bound the option's type cannot express. */
    static int atLeast(CommandSpec spec, String option, int value, int min) {
        if (value < min) {
            throw usage(spec, "option " + option + " must be at least " + min + ", not " + value);
        }
        return value;
    }

    /** {@code --version}: the version the jar was built as. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"inferstream " + (v == null ? "(development build)" : v),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }

    /** {@code formats}: the model formats on the class path. */
    @Command(name = "formats", mixinStandardHelpOptions = true,
            description = "List the model formats on the class path (one adapter each).")
    static final class FormatsCommand extends Subcommand {
        FormatsCommand(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        public Integer call() {
            return InspectCommand.formats(out);
        }
    }

    /** {@code config-reference}: the run command's configuration keys as Markdown. */
    @Command(name = "config-reference", mixinStandardHelpOptions = true,
            description = "Print the run command's configuration keys and every model loader's options as Markdown.")
    static final class ConfigReferenceCommand extends Subcommand {
        ConfigReferenceCommand(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        public Integer call() {
            out.print(ConfigReference.markdown(io.inferstream.model.ModelRegistry.discover()));
            return 0;
        }
    }
}
