package io.inferstream.cli;

import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code inferstream inspect}: loads a model offline and prints what a user needs to write its input records.
 * Also hosts {@code formats} and the model loading shared by the offline commands.
 *
 * <p>Thread safety: runs on the main thread.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's format, inputs and outputs (names, types, shapes) and an example input record.")
final class InspectCommand extends Subcommand {
    @Mixin
    ModelOptions model;

    @Option(names = "--codec", paramLabel = "CODEC", defaultValue = "json",
            description = "json (default) or avro: with --schema, show which schema fields feed which inputs")
    String codec;

    @Option(names = "--schema", paramLabel = "FILE", description = "An Avro schema file (.avsc) of the input records")
    java.nio.file.Path schema;

    @Option(names = "--field", paramLabel = "INPUT=PATH",
            description = "Like input.field.<input>=a.b: the (nested) schema field that feeds an input; repeatable")
    java.util.Map<String, String> fields = new java.util.LinkedHashMap<>();

    @Option(names = "--concat", paramLabel = "INPUT=F1,F2,...",
            description = "Like input.concat.<input>: scalar schema fields (dotted paths allowed) joined into one "
                    + "tensor input; repeatable")
    java.util.Map<String, String> concat = new java.util.LinkedHashMap<>();

    InspectCommand(PrintStream out, PrintStream err) {
        super(out, err);
    }

    @Override
    public Integer call() {
        if ("avro".equals(codec) && schema == null) {
            throw Main.usage(spec, "--codec avro needs --schema FILE (an .avsc file)");
        }
        if (!"avro".equals(codec) && !"json".equals(codec)) {
            throw Main.usage(spec, "--codec is json or avro, not " + codec);
        }
        try (Model loaded = model.load(spec)) {
            print(loaded.info(), out);
            if (schema != null) {
                out.println();
                out.println("records of " + schema + " (input.codec=avro):");
                try {
                    for (String line : io.inferstream.schemas.SchemaFit.describe(loaded.info(),
                            java.nio.file.Files.readString(schema), fields, concatenations())) {
                        out.println("  " + line);
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    err.println("inferstream inspect: cannot use --schema " + schema + ": " + e.getMessage());
                    return 1;
                }
            }
            return 0;
        } catch (ModelLoadException e) {
            err.println("inferstream inspect: " + e.getMessage());
            return 1;
        }
    }

    private java.util.Map<String, List<String>> concatenations() {
        java.util.Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        concat.forEach((input, list) -> out.put(input, List.of(list.split("\\s*,\\s*"))));
        return out;
    }

    /** Adds what to do when the format's adapter is simply not on the class path (PMML is opt-in: AGPL-3.0). */
    static ModelLoadException withHint(ModelLoadException e, ModelRegistry registry, ModelSource source) {
        boolean looksLikePmml = source.lowerCaseName().endsWith(".pmml")
                || new String(source.header(4096), java.nio.charset.StandardCharsets.UTF_8).contains("<PMML");
        if (looksLikePmml && !registry.formats().contains("pmml")) {
            return new ModelLoadException(e.getMessage() + "\nThis looks like a PMML model. PMML support uses the "
                    + "AGPL-3.0 jpmml evaluator, so it is not in the CLI by default: run with INFERSTREAM_PMML=1 "
                    + "(e.g. INFERSTREAM_PMML=1 bin/inferstream score ...).", e);
        }
        return e;
    }

    static void print(ModelInfo info, PrintStream out) {
        out.println("format:      " + info.format());
        out.println("name:        " + info.name());
        out.println("version:     " + info.version());
        out.println("thread-safe: " + (info.threadSafe() ? "yes (one instance shared by all workers)"
                : "no (one instance per worker)"));
        info.properties().forEach((k, v) -> out.printf("%-12s %s%n", k + ":", v));
        out.println();
        out.println("inputs (per record; the batch dimension is added by the engine):");
        printFields(info.inputs(), out);
        out.println();
        out.println("outputs (per record):");
        printFields(info.outputs(), out);
        out.println();
        out.println("example input record (json codec):");
        out.println("  " + exampleRecord(info.inputs()));
    }

    private static void printFields(List<FieldSpec> fields, PrintStream out) {
        if (fields.isEmpty()) {
            out.println("  (none declared)");
        }
        int width = fields.stream().mapToInt(f -> f.name().length()).max().orElse(4);
        for (FieldSpec f : fields) {
            out.printf("  %-" + width + "s  %s%s%n", f.name(), f.typeAndShape(),
                    f.levels().isEmpty() ? "" : "  levels " + abbreviate(f.levels()));
        }
    }

    private static String abbreviate(List<String> levels) {
        return levels.size() <= 10 ? levels.toString() : levels.subList(0, 10) + " ... (" + levels.size() + " in all)";
    }

    /** A JSON record with a placeholder of the right type and shape for every input (long vectors shortened). */
    static String exampleRecord(List<FieldSpec> inputs) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < inputs.size(); i++) {
            FieldSpec f = inputs.get(i);
            sb.append(i == 0 ? "" : ", ").append('"').append(f.name()).append("\": ");
            if (f.isScalar()) {
                sb.append(placeholder(f));
                continue;
            }
            long n = f.elementCount();
            long shown = n < 0 ? 3 : Math.min(n, 6);
            sb.append('[');
            for (long k = 0; k < shown; k++) {
                sb.append(k == 0 ? "" : ", ").append(placeholder(f));
            }
            if (n < 0 || n > shown) {
                sb.append(", ... ").append(n < 0 ? "any number of values" : n + " values in all");
            }
            sb.append(']');
        }
        return sb.append('}').toString();
    }

    private static String placeholder(FieldSpec f) {
        if (!f.levels().isEmpty()) {
            return '"' + f.levels().get(0) + '"';
        }
        DataType t = f.type();
        switch (t) {
            case FLOAT:
            case DOUBLE: return "0.0";
            case INT32:
            case INT64: return "0";
            case BOOL: return "false";
            case BYTES: return "{\"b64\": \"...\"}";
            default: return "\"text\"";
        }
    }

    static int formats(PrintStream out) {
        ModelRegistry registry = ModelRegistry.discover();
        if (registry.formats().isEmpty()) {
            out.println("no model formats on the class path");
            return 1;
        }
        for (String format : registry.formats()) {
            try {
                ModelLoader loader = registry.loader(format);
                out.printf("%-12s %s%n", format, loader.description());
            } catch (ModelLoadException e) {
                out.printf("%-12s (%s)%n", format, e.getMessage());
            }
        }
        return 0;
    }

}
