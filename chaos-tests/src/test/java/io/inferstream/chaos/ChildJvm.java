package io.inferstream.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A JVM of its own, started with this test JVM's class path, its output appended to a log file. The chaos suite runs
 * the broker and every engine this way so that a {@code kill -9} ends a whole process, as it does in production,
 * not a thread of the test.
 *
 * <p>Thread safety: not thread-safe; one test thread drives it.
 */
final class ChildJvm implements AutoCloseable {
    /**
     * Every child still running. If the test JVM is stopped before its @AfterAll (surefire's timeout, Ctrl-C), a
     * shutdown hook kills them, so no engine outlives the build (the broker also ends when its stdin closes).
     */
    private static final java.util.Set<Process> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "chaos-children-killer"));
    }

    private final String mainClass;
    private final List<String> jvmOptions;
    private final List<String> args;
    private final Path log;
    private final Path tmpDir;
    private Process process;

    /**
     * @param tmpDir the child's java.io.tmpdir: a killed JVM cannot delete what it unpacked there (ONNX Runtime's
     *     native library, model spools), so the suite gives children a folder it removes at the end
     */
    ChildJvm(String mainClass, List<String> jvmOptions, List<String> args, Path log, Path tmpDir) {
        this.mainClass = mainClass;
        this.tmpDir = tmpDir;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.args = List.copyOf(args);
        this.log = log;
    }

    /** Starts (or starts again, after a kill) the process; its output is appended to the same log. */
    void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(mainClass + " is still running");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Djava.io.tmpdir=" + Files.createDirectories(tmpDir));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        Files.createDirectories(log.getParent());
        // stdin stays a pipe to us: the broker process serves until it closes, so it cannot outlive this JVM.
        process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        RUNNING.add(process);
        Process started = process;
        started.onExit().thenRun(() -> RUNNING.remove(started));
    }

    /** {@code kill -9}: the process gets no chance to flush, commit or close anything. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * SIGTERM, then waits for the process to end.
     *
     * @return its exit code, or -1 if it had to be killed after the timeout
     */
    int terminate(Duration timeout) throws InterruptedException {
        if (process == null) {
            return -1;
        }
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            return -1;
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    Path log() {
        return log;
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** The last {@code lines} lines of the log, for failure messages. */
    String logTail(int lines) {
        String[] all = logText().split("\n");
        return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
    }

    /** Stops the process whatever its state: SIGTERM with a short grace, then SIGKILL. Never throws. */
    @Override
    public void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            terminate(Duration.ofSeconds(20));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
