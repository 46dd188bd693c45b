package io.inferstream.flink;

import io.inferstream.sandbox.models.ScratchDirectory;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The sandbox's real KRaft broker ({@code StandaloneBroker}) in a child JVM on 127.0.0.1. It cannot run in this JVM:
 * this module pins kafka-clients 4.2.0 for flink-connector-kafka (see the module README), while the Kafka 4.3.1
 * broker needs clients 4.3.1, so the child gets this JVM's class path with that one jar swapped.
 *
 * <p>Thread safety: not thread-safe; one test class owns it and closes it.
 */
public final class ChildBroker implements AutoCloseable {
    private final Process process;
    private final ScratchDirectory data;
    private final String bootstrap;

    private ChildBroker(Process process, ScratchDirectory data, String bootstrap) {
        this.process = process;
        this.data = data;
        this.bootstrap = bootstrap;
    }

    /** Starts the broker and waits (up to 2 minutes) until clients can connect. */
    public static ChildBroker start() throws IOException, InterruptedException {
        ScratchDirectory data = ScratchDirectory.create("inferstream-flink-broker");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", brokerClassPath(), "io.inferstream.sandbox.kafka.StandaloneBroker",
                Integer.toString(freePort()), Integer.toString(freePort()), data.path().resolve("kafka").toString());
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("READY ")) {
                // Keep draining its stdout so the child never blocks on a full pipe.
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // discard
                        }
                    } catch (IOException ignored) {
                        // the child ended
                    }
                }, "child-broker-stdout");
                drain.setDaemon(true);
                drain.start();
                return new ChildBroker(process, data, line.substring("READY ".length()).trim());
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        process.destroyForcibly();
        data.close();
        throw new IOException("the child broker did not report READY (exit " + (process.isAlive() ? "none" : process.exitValue()) + ")");
    }

    /** This JVM's class path with the broker's kafka-clients in place of the one pinned for Flink. */
    private static String brokerClassPath() {
        String clients = System.getProperty("inferstream.broker.clients");
        if (clients == null || !new File(clients).isFile()) {
            throw new IllegalStateException("system property inferstream.broker.clients must name kafka-clients "
                    + "4.3.1's jar (the flink module's build copies it to target/broker-lib): " + clients);
        }
        List<String> entries = new ArrayList<>();
        entries.add(clients);
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!new File(entry).getName().startsWith("kafka-clients-")) {
                entries.add(entry);
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    public void createTopic(String name, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
    }

    /** Writes the records in order and waits until all are acknowledged. */
    public void produce(String topic, List<Map.Entry<byte[], byte[]>> records) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (Map.Entry<byte[], byte[]> r : records) {
                producer.send(new ProducerRecord<>(topic, r.getKey(), r.getValue()));
            }
            producer.flush();
        }
    }

    /** @return a consumer configuration for raw records that reads from the start and never commits. */
    public Map<String, Object> consumerConfig() {
        Map<String, Object> c = new java.util.HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return c;
    }

    /** Closes the child's stdin (it then stops gracefully), waits, and deletes its data. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            data.close();
        }
    }
}
