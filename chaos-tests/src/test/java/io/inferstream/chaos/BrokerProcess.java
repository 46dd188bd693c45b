package io.inferstream.chaos;

import io.inferstream.sandbox.kafka.StandaloneBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A single-node KRaft broker as a process of its own ({@link StandaloneBroker}) on fixed ports on 127.0.0.1 and a
 * fixed data folder, so that it can be killed with SIGKILL and started again on the same address with its topics,
 * offsets and transactions, as a broker restart in production.
 *
 * <p>Thread safety: not thread-safe; one test thread drives it.
 */
final class BrokerProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final int port;
    private final ChildJvm jvm;
    private int starts;

    private BrokerProcess(int port, int controllerPort, Path dataDir, Path log) {
        this.port = port;
        this.jvm = new ChildJvm(StandaloneBroker.class.getName(),
                List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                List.of(Integer.toString(port), Integer.toString(controllerPort), dataDir.toString(),
                        // The bad-input matrix sends values up to ~0.5 MB, and a dead letter's topic is set smaller.
                        "message.max.bytes=2097152",
                        // Short so that a crashed engine without a stable transactional id blocks readers briefly.
                        "transaction.max.timeout.ms=60000",
                        // Fewer, faster checks of dead members, so a killed instance leaves its group in seconds.
                        "group.min.session.timeout.ms=3000"),
                log, dataDir.resolveSibling(dataDir.getFileName() + "-tmp"));
    }

    /** Picks two free loopback ports and starts the broker there, returning once clients can connect. */
    static BrokerProcess start(Path dataDir, Path log) throws IOException, InterruptedException {
        int[] ports = freeLoopbackPorts();
        BrokerProcess broker = new BrokerProcess(ports[0], ports[1], dataDir, log);
        try {
            broker.startAndAwaitReady();
        } catch (IOException | RuntimeException | InterruptedException e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** SIGKILL: no controlled shutdown, no log flush beyond what the OS already has. */
    void kill() throws InterruptedException {
        jvm.kill();
    }

    /** Starts again on the same ports and data folder; returns once clients can connect. */
    void restart() throws IOException, InterruptedException {
        startAndAwaitReady();
    }

    boolean isAlive() {
        return jvm.isAlive();
    }

    private void startAndAwaitReady() throws IOException, InterruptedException {
        jvm.start();
        starts++;
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (countReady() < starts) {
            if (!jvm.isAlive()) {
                throw new IllegalStateException("the broker process ended while starting:\n" + jvm.logTail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the broker process was not ready within " + READY_TIMEOUT + ":\n"
                        + jvm.logTail(40));
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }

    private int countReady() {
        int n = 0;
        for (String line : jvm.logText().split("\n")) {
            if (line.startsWith("READY ")) {
                n++;
            }
        }
        return n;
    }

    private static int[] freeLoopbackPorts() throws IOException {
        try (ServerSocket a = new ServerSocket(); ServerSocket b = new ServerSocket()) {
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            a.bind(new InetSocketAddress(loopback, 0));
            b.bind(new InetSocketAddress(loopback, 0));
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }

    /** Stops the broker gracefully (closing its stdin, then SIGTERM), SIGKILL as a last resort. Keeps the data. */
    @Override
    public void close() {
        if (jvm.isAlive()) {
            try {
                jvm.process().getOutputStream().close();
                if (!jvm.process().waitFor(20, TimeUnit.SECONDS)) {
                    jvm.close();
                }
            } catch (IOException e) {
                jvm.close();
            } catch (InterruptedException e) {
                jvm.close();
                Thread.currentThread().interrupt();
            }
        }
    }
}
