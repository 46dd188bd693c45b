package io.inferstream.cli;

import io.inferstream.deploy.RoutingSpec;
import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.deploy.kafka.ModelTopic;
import io.inferstream.deploy.kafka.ModelTopicReader;
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
import java.util.Set;
import org.apache.kafka.common.KafkaException;

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

    static int publish(String[] argv, PrintStream out, PrintStream err) throws Args.UsageException {
        Args args = Args.parse(argv, Set.of("bootstrap-servers", "topic", "name", "version", "model", "format",
                "chunk-bytes", "command-config"), Set.of());
        Path model = Path.of(args.require("model"));
        if (!Files.exists(model)) {
            throw new Args.UsageException("--model " + model + " does not exist");
        }
        String name = checked(() -> ModelTopic.requireName(args.require("name")));
        String version = checked(() -> RoutingSpec.requireVersion(args.require("version")));
        int chunkBytes = args.integer("chunk-bytes", ModelTopic.DEFAULT_CHUNK_BYTES, 1024);
        String format = args.get("format") == null ? "" : args.get("format");
        if (format.isBlank()) {
            try {
                format = ModelRegistry.discover().detect(ModelSource.of(model)).format();
            } catch (ModelLoadException e) {
                err.println("inferstream publish-model: " + e.getMessage());
                return 2;
            }
        }
        String topic = args.require("topic");
        try (ModelPublisher publisher = new ModelPublisher(clients(args), topic)) {
            if (publisher.ensureTopic(TIMEOUT)) {
                out.println("inferstream: created model topic " + topic + " (compacted, 1 partition)");
            }
            ModelTopic.Descriptor d = publisher.publish(name, version, model, format, chunkBytes);
            out.printf("inferstream: published %s version %s to %s: %s, %,d bytes in %d chunk(s), sha256 %s%n",
                    d.name, d.version, topic, d.format, d.size, d.chunks, d.sha256);
            return 0;
        } catch (IOException | KafkaException e) {
            err.println("inferstream publish-model: " + e.getMessage());
            return 1;
        }
    }

    static int route(String[] argv, PrintStream out, PrintStream err) throws Args.UsageException {
        Args args = Args.parse(argv, Set.of("bootstrap-servers", "topic", "name", "weights", "shadow", "not-sticky",
                "command-config"), Set.of("not-sticky"));
        String name = checked(() -> ModelTopic.requireName(args.require("name")));
        RoutingSpec routing = checked(() -> RoutingSpec.parse(args.require("weights"), args.get("shadow"),
                !args.flag("not-sticky")));
        String topic = args.require("topic");
        Map<String, Object> clients = clients(args);
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

    static int list(String[] argv, PrintStream out, PrintStream err) throws Args.UsageException {
        Args args = Args.parse(argv, Set.of("bootstrap-servers", "topic", "name", "command-config"), Set.of());
        String topic = args.require("topic");
        ModelTopicState state;
        try {
            state = read(clients(args), topic);
        } catch (KafkaException | IllegalStateException e) {
            err.println("inferstream models: " + e.getMessage());
            return 1;
        }
        String only = args.get("name");
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
    private static Map<String, Object> clients(Args args) throws Args.UsageException {
        Map<String, Object> c = new HashMap<>();
        String file = args.get("command-config");
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new Args.UsageException("cannot read --command-config " + file + ": " + e.getMessage());
            }
            p.forEach((k, v) -> c.put(String.valueOf(k), v));
        }
        c.put("bootstrap.servers", args.require("bootstrap-servers"));
        return c;
    }

    /** A value check whose IllegalArgumentException is a usage mistake. */
    private interface Check<T> {
        T get() throws Args.UsageException;
    }

    private static <T> T checked(Check<T> check) throws Args.UsageException {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
    }
}
