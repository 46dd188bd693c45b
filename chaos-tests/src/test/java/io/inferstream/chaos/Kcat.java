package io.inferstream.chaos;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code kcat} (librdkafka), a Kafka client that shares no code with the Java client the engine and the suite's own
 * reader use: a second, independent count of the keys in a topic. Optional: where it is not installed the suite says
 * so and skips only this cross-check ({@code .ci/run} installs it).
 *
 * <p>Thread safety: stateless.
 */
final class Kcat {
    private Kcat() {
    }

    /** The kcat executable on the PATH, if there is one. */
    static Optional<Path> find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "kcat");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Reads each topic from the beginning to its end (for read_committed, the last stable offset) and counts how often
     * each key appears, over all the topics.
     */
    static Map<String, Integer> keyCounts(Path kcat, String bootstrap, List<String> topics, boolean readCommitted)
            throws IOException, InterruptedException {
        Map<String, Integer> counts = new HashMap<>();
        for (String topic : topics) {
            List<String> command = new ArrayList<>(List.of(kcat.toString(), "-C", "-b", bootstrap, "-t", topic,
                    "-o", "beginning", "-e", "-q", "-f", "%k\\n"));
            // librdkafka's default is read_committed; say which one is meant either way.
            command.addAll(List.of("-X", "isolation.level=" + (readCommitted ? "read_committed" : "read_uncommitted")));
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    counts.merge(line, 1, Integer::sum);
                }
            } finally {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("kcat did not reach the end of " + topic + " within 60 s");
                }
            }
            if (p.exitValue() != 0) {
                throw new IOException("kcat exited with " + p.exitValue() + " reading " + topic);
            }
        }
        return counts;
    }
}
