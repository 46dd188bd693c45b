package io.inferstream.cli;

import io.inferstream.deploy.RoutingSpec;
import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.deploy.kafka.ModelTopic;
import io.inferstream.deploy.kafka.ModelTopicReader;
import io.inferstream.deploy.signing.ModelSigner;
import io.inferstream.deploy.kafka.ModelTopicState;
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
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.KafkaException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The model topic's commands: {@code publish-model} (a version's bytes and descriptor), {@code route} (weights,
 * shadow, rollback) and {@code models} (every version with its state, as the engines reported it).
 *
 * <p>Thread safety: runs on the main thread.
 */
final class ModelTopicCommands {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private ModelTopicCommands() {
    }

    /** Where the model topic is: the options every model topic command takes. */
    static final class TopicOptions {
        @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]",
                description = "Kafka brokers to connect to.")
        String bootstrapServers;

        @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "The model topic (compacted).")
        String topic;

        @Option(names = "--command-config", paramLabel = "FILE",
                description = "Client properties (security settings), as Kafka's own tools take them.")
        Path commandConfig;
    }

    /** {@code publish-model}: its own --version is the model's, so it takes only --help of the standard options. */
    @Command(name = "publish-model",
            description = {"Publish a model version to a compacted model topic (a folder is zipped; large files are "
                + "chunked; engines check its SHA-256)."})
    static final class Publish extends Subcommand {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;

        @Mixin
        TopicOptions where;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The model's name.")
        String name;

        @Option(names = "--version", required = true, paramLabel = "V", description = "The version, a whole number above 0.")
        String version;

        @Option(names = "--model", required = true, paramLabel = "PATH", description = "Model file or directory.")
        Path model;

        @Option(names = "--format", paramLabel = "FORMAT", description = "Format id; default: inferred from the model.")
        String format;

        @Option(names = "--chunk-bytes", paramLabel = "B", description = "Largest chunk in bytes (default: 1 MB - headroom).")
        Integer chunkBytes;

        @Option(names = "--sign-key", paramLabel = "PEM",
                description = "Sign the version with this private key (PKCS#8 PEM, elliptic curve): an OpenSSF model "
                    + "signature bound to --name and --version. Engines with model.trusted.keys load only versions "
                    + "signed by a key they trust.")
        Path signKey;

        Publish(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        public Integer call() {
            return publish(spec, where, name, version, model, format,
                    chunkBytes == null ? ModelTopic.DEFAULT_CHUNK_BYTES : Main.atLeast(spec, "--chunk-bytes", chunkBytes, 1024),
                    signKey, out, err);
        }
    }

    /** {@code route}. */
    @Command(name = "route", mixinStandardHelpOptions = true,
            description = {"Split traffic between versions (A/B, canary), mirror it to a shadow, or roll back "
                + "(--weights 1=100). Sticky by record key by default."})
    static final class Route extends Subcommand {
        @Mixin
        TopicOptions where;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "The model's name.")
        String name;

        @Option(names = "--weights", required = true, paramLabel = "V=W,...", description = "e.g. 1=90,2=10.")
        String weights;

        @Option(names = "--shadow", paramLabel = "V,...", description = "Versions that score a copy of all traffic.")
        String shadow;

        @Option(names = "--not-sticky", description = "Split at random instead of by record key.")
        boolean notSticky;

        Route(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        public Integer call() {
            return route(spec, where, name, weights, shadow, notSticky, out, err);
        }
    }

    /** {@code models}. */
    @Command(name = "models", mixinStandardHelpOptions = true,
            description = {"List every version on a model topic with its state (loaded, serving weight, shadow, "
                + "rejected and why)."})
    static final class Models extends Subcommand {
        @Mixin
        TopicOptions where;

        @Option(names = "--name", paramLabel = "NAME", description = "Only this model.")
        String name;

        Models(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        public Integer call() {
            return list(spec, where, name, out, err);
        }
    }

    static int publish(CommandSpec spec, TopicOptions where, String nameOption, String versionOption, Path model,
            String formatOption, int chunkBytes, Path signKey, PrintStream out, PrintStream err) {
        if (!Files.exists(model)) {
            throw Main.usage(spec, "--model " + model + " does not exist");
        }
        ModelSigner signer = null;
        if (signKey != null) {
            try {
                signer = ModelSigner.fromPem(signKey);
            } catch (IOException e) {
                throw Main.usage(spec, "--sign-key: " + e.getMessage());
            }
        }
        String name = checked(spec, () -> ModelTopic.requireName(nameOption));
        String version = checked(spec, () -> RoutingSpec.requireVersion(versionOption));
        String format = formatOption == null ? "" : formatOption;
        if (format.isBlank()) {
            try {
                format = ModelRegistry.discover().detect(ModelSource.of(model)).format();
            } catch (ModelLoadException e) {
                err.println("inferstream publish-model: " + e.getMessage());
                return 2;
            }
        }
        String topic = where.topic;
        try (ModelPublisher publisher = new ModelPublisher(clients(spec, where), topic)) {
            if (publisher.ensureTopic(TIMEOUT)) {
                out.println("inferstream: created model topic " + topic + " (compacted, 1 partition)");
            }
            ModelTopic.Descriptor d = publisher.publish(name, version, model, format, chunkBytes, signer);
            out.printf("inferstream: published %s version %s to %s: %s, %,d bytes in %d chunk(s), sha256 %s%s%n",
                    d.name, d.version, topic, d.format, d.size, d.chunks, d.sha256,
                    d.signature == null ? "" : ", signed with " + signKey.getFileName());
            return 0;
        } catch (IOException | KafkaException e) {
            err.println("inferstream publish-model: " + e.getMessage());
            return 1;
        }
    }

    static int route(CommandSpec spec, TopicOptions where, String nameOption, String weights, String shadow,
            boolean notSticky, PrintStream out, PrintStream err) {
        String name = checked(spec, () -> ModelTopic.requireName(nameOption));
        RoutingSpec routing = checked(spec, () -> RoutingSpec.parse(weights, shadow, !notSticky));
        String topic = where.topic;
        Map<String, Object> clients = clients(spec, where);
        try {
            ModelTopicState state = read(clients, topic);
            for (String version : routing.versions()) {
                if (!state.versions(name).containsKey(version)) {
                    err.println("inferstream route: model " + name + " has no version " + version + " on topic " + topic
                            + " (published: " + state.versions(name).keySet() + "); publish it first");
                    return 2;
                }
                Map<String, Object> status = state.statuses(name).get(version);
                if (status != null && "REJECTED".equals(status.get("state"))) {
                    out.println("inferstream: warning: version " + version + " was rejected by an engine ("
                            + status.get("reason") + "); engines keep the current routing until it loads");
                }
            }
            try (ModelPublisher publisher = new ModelPublisher(clients, topic)) {
                publisher.route(name, routing);
            }
            out.println("inferstream: routed " + name + ": " + routing);
            return 0;
        } catch (IOException | KafkaException | IllegalStateException e) {
            err.println("inferstream route: " + e.getMessage());
            return 1;
        }
    }

    static int list(CommandSpec spec, TopicOptions where, String only, PrintStream out, PrintStream err) {
        String topic = where.topic;
        ModelTopicState state;
        try {
            state = read(clients(spec, where), topic);
        } catch (KafkaException | IllegalStateException e) {
            err.println("inferstream models: " + e.getMessage());
            return 1;
        }
        for (String name : state.names()) {
            if (only != null && !only.equals(name)) {
                continue;
            }
            Optional<RoutingSpec> routing = state.routing(name);
            out.println("model " + name + ": " + routing.map(r -> "routing " + r).orElse("no routing (newest version "
                    + "that loads serves)") + state.routingError(name).map(e -> " [published routing ignored: " + e + "]")
                    .orElse(""));
            out.printf("  %-8s %-10s %14s  %-8s %-8s %-24s %s%n", "version", "format", "bytes", "sha256", "chunks",
                    "published", "state");
            state.versions(name).forEach((version, d) -> {
                int seen = state.chunksSeen(name, version);
                out.printf("  %-8s %-10s %,14d  %-8s %-8s %-24s %s%n", version, d.format.isEmpty() ? "?" : d.format,
                        d.size, d.sha256 == null ? "?" : d.sha256.substring(0, Math.min(8, d.sha256.length())),
                        seen + "/" + d.chunks, d.createdAt, describeState(routing, state.statuses(name).get(version),
                                version, seen < d.chunks));
            });
        }
        if (state.names().isEmpty() || (only != null && !state.names().contains(only))) {
            out.println("no models on topic " + topic + (only != null ? " named " + only : ""));
        }
        return 0;
    }

    /** What a version is to users: what the routing asks of it, and what the engines last said of it. */
    private static String describeState(Optional<RoutingSpec> routing, Map<String, Object> status, String version,
            boolean incomplete) {
        if (incomplete) {
            return "incomplete (chunks missing)";
        }
        String state = status == null ? "published (no engine has reported on it)" : String.valueOf(status.get("state"));
        if (status != null && "REJECTED".equals(state)) {
            return "rejected: " + status.get("reason");
        }
        if (status != null && "LOADED".equals(state)) {
            state = "loaded";
            if (Boolean.TRUE.equals(status.get("shadow"))) {
                state += ", shadow";
            } else if (status.get("weight") instanceof Number && ((Number) status.get("weight")).intValue() > 0) {
                state += ", serving " + status.get("weight") + "%";
            }
        } else if (status != null && "RETIRED".equals(state)) {
            state = "retired (not loaded)";
        }
        if (routing.isPresent() && routing.get().versions().contains(version)) {
            state += routing.get().shadows().contains(version) ? " [routing: shadow]"
                    : " [routing: weight " + routing.get().weights().get(version) + "]";
        }
        return state;
    }

    private static ModelTopicState read(Map<String, Object> clients, String topic) {
        ModelTopicState state = new ModelTopicState(ModelTopicState.COUNT_ONLY);
        try (ModelTopicReader reader = new ModelTopicReader(clients, topic, state)) {
            reader.catchUp(TIMEOUT);
        }
        return state;
    }

    /** Bootstrap servers plus, from {@code --command-config}, security settings as Kafka's own tools take them. */
    private static Map<String, Object> clients(CommandSpec spec, TopicOptions where) {
        Map<String, Object> c = new HashMap<>();
        if (where.commandConfig != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(where.commandConfig, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw Main.usage(spec, "cannot read --command-config " + where.commandConfig + ": " + e.getMessage());
            }
            p.forEach((k, v) -> c.put(String.valueOf(k), v));
        }
        c.put("bootstrap.servers", where.bootstrapServers);
        return c;
    }

    /** A value check whose IllegalArgumentException is a usage mistake. */
    private static <T> T checked(CommandSpec spec, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw Main.usage(spec, e.getMessage());
        }
    }
}
