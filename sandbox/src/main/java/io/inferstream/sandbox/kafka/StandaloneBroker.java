package io.inferstream.sandbox.kafka;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The sandbox's KRaft broker as a process of its own, on fixed ports and a fixed data folder, so that a test can
 * {@code kill -9} it and start it again on the same address with the same data, as an operator's broker restart
 * would: {@code java -cp <class path> io.inferstream.sandbox.kafka.StandaloneBroker <port> <controller-port>
 * <data-dir> [key=value ...]}.
 *
 * <p>It prints {@code READY 127.0.0.1:<port>} on stdout once clients can connect, then serves until its standard
 * input is closed (the parent process ended or closed the pipe) or it is signalled; a graceful stop keeps the data
 * folder, which belongs to the caller. Extra arguments are broker settings in Kafka's own names.
 */
public final class StandaloneBroker {
    private StandaloneBroker() {
    }

    /**
     * @param args port, controller port, data folder, then optional {@code key=value} broker settings
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: StandaloneBroker <port> <controller-port> <data-dir> [key=value ...]");
            System.exit(2);
        }
        Map<String, String> overrides = new HashMap<>();
        for (int i = 3; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("StandaloneBroker: not a key=value setting: " + args[i]);
                System.exit(2);
            }
            overrides.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.startAt(Integer.parseInt(args[0]), Integer.parseInt(args[1]),
                Path.of(args[2]), overrides);
        System.out.println("READY " + broker.bootstrapServers());
        System.out.flush();
        // Serve until the parent closes our stdin (or dies, which closes it too), so a test that forgets to stop
        // this process does not leave a broker running.
        while (System.in.read() >= 0) {
            // discard
        }
        broker.close();
        System.exit(0);
    }
}
