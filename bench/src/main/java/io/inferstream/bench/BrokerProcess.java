package io.inferstream.bench;

import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's single-node KRaft broker ({@link EmbeddedKafkaBroker}) in a JVM of its own, driven over the child's
 * standard input and output with one line per command: the child prints {@code ready <bootstrap>} once clients can
 * connect, answers {@code create <topic> <partitions>} with {@code created <topic>} once the topic is ready (the same
 * readiness wait as the in-JVM broker's), and stops when its standard input closes (also when this JVM dies).
 *
 * <p>The child runs with the heap and collector settings Kafka's own start scripts give a broker
 * ({@code kafka-server-start.sh}: 1 GB heap; {@code kafka-run-class.sh}: G1 with a 20 ms pause goal), so what the engine's JVM
 * pauses for is the engine alone. The broker still shares the machine's cores with the engine and the load generator.
 * Its log goes where the {@code inferstream.broker.data.parent} system property of this JVM says, if set.
 *
 * <p>Thread safety: {@link #createTopic} is synchronized (one command at a time on the pipe).
 */
final class BrokerProcess implements BenchBroker, AutoCloseable {
    /** Kafka's broker defaults (kafka-server-start.sh's heap, kafka-run-class.sh's collector settings). */
    static final List<String> BROKER_JVM_OPTIONS = List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent");

    private final Process process;
    private final BufferedReader answers;
    private final Writer commands;
    private final Path log;
    private final String bootstrap;

    private BrokerProcess(Process process, Path log) throws IOException {
        this.process = process;
        this.log = log;
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.commands = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.bootstrap = expect("ready ");
    }

    /**
     * Starts the broker process and returns once clients can connect.
     *
     * @param overrides broker settings in Kafka's names, as {@link EmbeddedKafkaBroker#start(Map)} takes them
     */
    static BrokerProcess start(Map<String, String> overrides) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(BROKER_JVM_OPTIONS);
        String dataParent = System.getProperty(EmbeddedKafkaBroker.DATA_PARENT_PROPERTY);
        if (dataParent != null) {
            command.add("-D" + EmbeddedKafkaBroker.DATA_PARENT_PROPERTY + "=" + dataParent);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        overrides.forEach((k, v) -> command.add(k + "=" + v));
        Path log = Files.createTempFile("inferstream-bench-broker", ".log");
        Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
        // Never leave a broker behind: if this JVM ends without close(), the child goes with it.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        try {
            return new BrokerProcess(process, log);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    @Override
    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public synchronized void createTopic(String name, int partitions) {
        try {
            commands.write("create " + name + " " + partitions + "\n");
            commands.flush();
            String created = expect("created ");
            if (!created.equals(name)) {
                throw new IllegalStateException("the broker process created '" + created + "', not '" + name + "'");
            }
        } catch (IOException e) {
            throw new IllegalStateException("the broker process did not create topic '" + name + "': " + e, e);
        }
    }

    /** Closes the child's standard input (it stops its broker and exits), then waits for it, forcibly after 30 s. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            commands.close();
        } catch (IOException e) {
            // already gone: nothing to tell it
        }
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(log);
    }

    private String expect(String prefix) throws IOException {
        for (String line = answers.readLine(); line != null; line = answers.readLine()) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
            if (line.startsWith("error ")) {
                throw new IllegalStateException("the broker process: " + line.substring(6));
            }
        }
        throw new IllegalStateException("the broker process ended; its log (" + log + "):\n" + tail(log));
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    /**
     * The child process: starts the broker, prints {@code ready <bootstrap>}, then serves {@code create} commands
     * until its standard input closes. Only this protocol goes to standard output; logging goes to standard error.
     *
     * <p>Thread safety: a program, on its main thread.
     */
    static final class Child {
        private Child() {
        }

        public static void main(String[] args) throws IOException {
            Map<String, String> overrides = new java.util.HashMap<>();
            for (String arg : args) {
                String[] kv = arg.split("=", 2);
                overrides.put(kv[0], kv[1]);
            }
            java.io.PrintStream out = System.out;
            // Anything else that writes to standard output (a library's banner) must not break the protocol.
            System.setOut(System.err);
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(overrides);
                    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                out.println("ready " + broker.bootstrapServers());
                out.flush();
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String[] words = line.trim().split(" ");
                    try {
                        broker.createTopic(words[1], Integer.parseInt(words[2]));
                        out.println("created " + words[1]);
                    } catch (RuntimeException e) {
                        out.println("error " + e.getMessage().replace('\n', ' '));
                    }
                    out.flush();
                }
            }
            System.exit(0);
        }
    }
}
