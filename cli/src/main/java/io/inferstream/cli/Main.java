package io.inferstream.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * Entry point of {@code bin/inferstream}. Each command returns an exit code: 0 success, 1 failure at run time
 * (a model failure, records unaccounted for), 2 a usage or configuration mistake.
 *
 * <p>Thread safety: runs on the main thread.
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "Usage: inferstream <command> [options]",
            "",
            "Commands:",
            "  run --config app.properties        Serve a model on Kafka until stopped (SIGTERM/Ctrl-C stops gracefully):",
            "                                     model.path (a file, or a folder of numbered versions, watched) or",
            "                                     model.topic + model.name (versions and routing from a model topic).",
            "  inspect --model PATH [--format F]  Show a model's format, inputs and outputs (names, types, shapes)",
            "                                     and an example input record.",
            "  score --model PATH --input FILE.jsonl [--format F] [--concat INPUT=f1,f2,...] [--labels a,b,c]",
            "        [--batch-size N] [--option KEY=VALUE] [--allow-nan]",
            "                                     Score a JSON-lines file offline: one JSON prediction per line",
            "                                     (or an error object for a line that cannot be scored).",
            "  demo [--records N] [--threads T] [--batch-size B] [--rate EVENTS_PER_S] [--bad-every K] [--hot-swap]",
            "                                     Start a Kafka broker in-process on 127.0.0.1, make an ONNX model,",
            "                                     stream synthetic events through the engine, and print a summary.",
            "                                     --hot-swap: serve from a model topic and swap to version 2 midway.",
            "  publish-model --bootstrap-servers HOST:PORT --topic T --name N --version V --model PATH [--format F]",
            "        [--chunk-bytes B] [--command-config client.properties]",
            "                                     Publish a model version to a compacted model topic (a folder is",
            "                                     zipped; large files are chunked; SHA-256 checked by engines).",
            "  route --bootstrap-servers HOST:PORT --topic T --name N --weights 1=90,2=10 [--shadow 3] [--not-sticky]",
            "                                     Split traffic between versions (A/B, canary), mirror it to a shadow,",
            "                                     or roll back (--weights 1=100). Sticky by record key by default.",
            "  models --bootstrap-servers HOST:PORT --topic T [--name N]",
            "                                     List every version on a model topic with its state (loaded,",
            "                                     serving weight, shadow, rejected and why).",
            "  formats                            List the model formats on the class path.",
            "  config-reference                   Print the run command's configuration keys as a Markdown table.",
            "",
            "Exit codes: 0 success, 1 failure while running, 2 a usage or configuration mistake.",
            "PMML models need INFERSTREAM_PMML=1: the PMML adapter uses the AGPL-3.0 jpmml evaluator and is not",
            "part of the CLI by default.");

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command; returns its exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || "--help".equals(args[0]) || "-h".equals(args[0]) || "help".equals(args[0])) {
            out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "run": return RunCommand.run(rest, out, err);
                case "inspect": return InspectCommand.run(rest, out, err);
                case "score": return ScoreCommand.run(rest, out, err);
                case "demo": return DemoCommand.run(rest, out, err);
                case "publish-model": return ModelTopicCommands.publish(rest, out, err);
                case "route": return ModelTopicCommands.route(rest, out, err);
                case "models": return ModelTopicCommands.list(rest, out, err);
                case "formats": return InspectCommand.formats(out);
                case "config-reference":
                    out.print(io.inferstream.config.EngineConfig.toMarkdownTable());
                    return 0;
                default:
                    err.println("inferstream: unknown command '" + args[0] + "'\n\n" + USAGE);
                    return 2;
            }
        } catch (Args.UsageException e) {
            err.println("inferstream " + args[0] + ": " + e.getMessage() + "\n\n" + USAGE);
            return 2;
        }
    }
}
