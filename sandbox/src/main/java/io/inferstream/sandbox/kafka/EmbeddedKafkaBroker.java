package io.inferstream.sandbox.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real, single-node Apache Kafka broker running inside this JVM, for tests and the demo.
 *
 * <p>The node runs in KRaft combined mode ({@code process.roles=broker,controller}): Kafka's own
 * {@link KafkaRaftServer}, with its storage formatted by Kafka's own {@link Formatter}, exactly as
 * {@code kafka-storage.sh format} followed by {@code kafka-server-start.sh} would do. Both its listeners (the client
 * listener and the controller listener) bind to {@code 127.0.0.1} only, on free ports picked at start, so tests never
 * open a port to the network and several brokers can run side by side. Kafka's test kit is deliberately not used
 * because it binds every interface.
 *
 * <p>Defaults suit one node: internal topics have replication factor 1 and min ISR 1, the group initial rebalance
 * delay is 0 (consumer groups form at once) and automatic topic creation is off, so a test that forgets
 * {@link #createTopic} fails loudly instead of racing an auto-created topic. Logs and metadata live in a temporary
 * folder that {@link #close()} deletes; a JVM shutdown hook closes a broker that is still running when the JVM exits
 * (a demo stopped with Ctrl-C), so the folder does not outlive it.
 *
 * <p>Logging: when the slf4j binding is slf4j-simple, {@link #start} lowers Kafka's loggers to WARN through
 * slf4j-simple's per-logger system properties, but only those not already set, so a test that wants Kafka's INFO
 * lines sets {@code -Dorg.slf4j.simpleLogger.log.kafka=info} (or {@code org.apache.kafka}). Other bindings are left
 * to their own configuration.
 *
 * <p>Thread safety: every method may be called from any thread; {@link #close()} is idempotent.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    /** System property: the folder the brokers' temporary data folders are made in (default: java.io.tmpdir). */
    public static final String DATA_PARENT_PROPERTY = "inferstream.broker.data.parent";


    /** Name of the client (broker) listener. */
    private static final String CLIENT_LISTENER = "PLAINTEXT";
    /** Name of the controller (KRaft quorum) listener. */
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String LOOPBACK = "127.0.0.1";
    private static final int NODE_ID = 1;
    /** A lost port race (another process took the picked port) is retried with fresh ports this many times. */
    private static final int START_ATTEMPTS = 3;
    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Settings the broker owns because its addressing, identity and storage depend on them; an override of any of
     * these would silently break {@link #bootstrapServers()} or {@link #close()}, so it is refused.
     */
    private static final Set<String> MANAGED_KEYS = Set.of(
            "process.roles", "node.id", "listeners", "advertised.listeners", "listener.security.protocol.map",
            "controller.listener.names", "inter.broker.listener.name", "controller.quorum.voters",
            "controller.quorum.bootstrap.servers", "log.dir", "log.dirs", "metadata.log.dir");

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final int brokerPort;
    private final int controllerPort;
    private final String clusterId;
    /** False for a broker started by {@link #startAt} on a folder its caller owns: close() then keeps the folder. */
    private final boolean ownsDataDir;
    private int sslPort = -1;
    private int saslSslPort = -1;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Created on first {@link #createTopic}; guarded by {@code this}. */
    private Admin admin;
    /** Closes the broker if the JVM exits first (e.g. Ctrl-C in the demo), so no temp folder is left behind. */
    private final Thread shutdownHook;

    private EmbeddedKafkaBroker(KafkaRaftServer server, Path dataDir, int brokerPort, int controllerPort,
                                String clusterId, boolean ownsDataDir) {
        this.server = server;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.clusterId = clusterId;
        this.shutdownHook = new Thread(this::close, "embedded-kafka-shutdown-" + brokerPort);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Formats fresh storage and starts a broker with the defaults described on this class; returns once the broker
     * is registered, unfenced and accepting clients (typically a few seconds).
     *
     * @return the running broker; close it when done
     * @throws IllegalStateException if the broker cannot be started
     */
    public static EmbeddedKafkaBroker start() {
        return start(Map.of());
    }

    /**
     * Like {@link #start()}, with broker settings added or replaced, in Kafka's own property names
     * (e.g. {@code "log.retention.ms"}). Listeners, node id, roles, quorum voters and log folders are managed by this
     * class and cannot be overridden.
     *
     * @param overrides broker settings to add or replace
     * @return the running broker; close it when done
     * @throws IllegalArgumentException if an override names a setting this class manages
     * @throws IllegalStateException if the broker cannot be started
     */
    public static EmbeddedKafkaBroker start(Map<String, String> overrides) {
        refuseManagedKeys(overrides);
        quietKafkaLoggers();
        RuntimeException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            try {
                return startOnce(overrides);
            } catch (PortTakenException e) {
                // Free ports are picked by binding port 0 and releasing it, so another process can win the port
                // before Kafka binds it; picking again is the standard remedy.
                last = e;
            }
        }
        throw new IllegalStateException("Embedded Kafka broker: could not bind free ports on " + LOOPBACK + " after "
                + START_ATTEMPTS + " attempts", last);
    }

    /**
     * Starts a broker on fixed ports and a data folder the caller owns, so that it can be stopped (or its process
     * killed) and started again on the same address with the same topics, offsets and transactions: what a chaos test
     * of a broker restart needs. The folder's storage is formatted on the first start only; later starts recover the
     * logs already there, as a restarted Kafka does. {@link #close()} stops the broker and keeps the folder.
     *
     * @param brokerPort the client listener's port on {@code 127.0.0.1}
     * @param controllerPort the KRaft controller listener's port on {@code 127.0.0.1}
     * @param dataDir the folder for logs and metadata; created if missing, never deleted by this class
     * @param overrides broker settings to add or replace, as for {@link #start(Map)}
     * @return the running broker
     * @throws IllegalArgumentException if an override names a setting this class manages
     * @throws IllegalStateException if the broker cannot be started (e.g. a port is taken)
     */
    public static EmbeddedKafkaBroker startAt(int brokerPort, int controllerPort, Path dataDir,
                                              Map<String, String> overrides) {
        refuseManagedKeys(overrides);
        quietKafkaLoggers();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Embedded Kafka broker: cannot create the data folder " + dataDir, e);
        }
        return launch(dataDir, false, brokerPort, controllerPort, overrides, null, null);
    }

    private static void refuseManagedKeys(Map<String, String> overrides) {
        for (String key : overrides.keySet()) {
            if (MANAGED_KEYS.contains(key)) {
                throw new IllegalArgumentException("Embedded Kafka broker: setting '" + key
                        + "' is managed by EmbeddedKafkaBroker (listeners, ports, roles, log folders) and cannot be"
                        + " overridden");
            }
        }
    }

    private static EmbeddedKafkaBroker startOnce(Map<String, String> overrides) {
        int[] ports = freeLoopbackPorts(2);
        return launch(newDataDir(), true, ports[0], ports[1], overrides, null, null);
    }

    /**
     * A fresh temporary data folder, under the folder named by the system property {@value #DATA_PARENT_PROPERTY}
     * if it is set (a benchmark puts the log in memory, {@code /dev/shm}, so that a virtual disk's writeback stalls
     * are not charged to what it measures), else under {@code java.io.tmpdir}.
     */
    private static Path newDataDir() {
        try {
            String parent = System.getProperty(DATA_PARENT_PROPERTY);
            if (parent == null || parent.isBlank()) {
                return Files.createTempDirectory("inferstream-kafka-");
            }
            return Files.createTempDirectory(Files.createDirectories(Path.of(parent)), "inferstream-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Embedded Kafka broker: cannot create a temporary data folder", e);
        }
    }

    /**
     * Like {@link #start()}, with two more listeners on 127.0.0.1: SSL and SASL_SSL (SCRAM-SHA-512, user
     * {@link TlsFixture#SCRAM_USER}), both with the fixture's certificate. The PLAINTEXT listener stays for setting up
     * topics.
     */
    public static EmbeddedKafkaBroker startSecured(TlsFixture tls) {
        quietKafkaLoggers();
        RuntimeException last = null;
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int[] ports = freeLoopbackPorts(4);
            try {
                return launch(newDataDir(), true, ports[0], ports[1], Map.of(), tls, new int[] {ports[2], ports[3]});
            } catch (PortTakenException e) {
                last = e;
            }
        }
        throw new IllegalStateException("Embedded Kafka broker: could not bind free ports", last);
    }

    private static EmbeddedKafkaBroker launch(Path dataDir, boolean ownsDataDir, int brokerPort, int controllerPort,
                                              Map<String, String> overrides, TlsFixture tls, int[] securePorts) {
        KafkaRaftServer server = null;
        try {
            Path logDir = dataDir.resolve("log");
            Map<String, String> props = brokerProperties(brokerPort, controllerPort, logDir);
            if (tls != null) {
                String secured = ",SSL://" + LOOPBACK + ":" + securePorts[0] + ",SASL_SSL://" + LOOPBACK + ":"
                        + securePorts[1];
                props.put("listeners", props.get("listeners") + secured);
                props.put("advertised.listeners", props.get("advertised.listeners") + secured);
                props.put("listener.security.protocol.map", props.get("listener.security.protocol.map")
                        + ",SSL:SSL,SASL_SSL:SASL_SSL");
                props.putAll(tls.brokerSettings());
            }
            props.putAll(overrides);
            KafkaConfig config = new KafkaConfig(props, false);

            Path meta = logDir.resolve("meta.properties");
            String clusterId;
            if (Files.exists(meta)) {
                // Storage formatted by an earlier start on this folder: keep its cluster id, as a restart does.
                java.util.Properties formatted = new java.util.Properties();
                try (java.io.Reader r = Files.newBufferedReader(meta)) {
                    formatted.load(r);
                }
                clusterId = formatted.getProperty("cluster.id");
            } else {
                clusterId = Uuid.randomUuid().toString();
                format(clusterId, logDir, tls == null ? List.of() : List.of(tls.scramArgument()));
            }
            server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(server, dataDir, brokerPort, controllerPort, clusterId,
                    ownsDataDir);
            if (tls != null) {
                broker.sslPort = securePorts[0];
                broker.saslSslPort = securePorts[1];
            }
            return broker;
        } catch (Exception | Error e) {
            // Whatever failed, leave no running threads and no folder of ours behind, keeping the first error.
            try {
                stopServer(server);
                if (ownsDataDir) {
                    deleteRecursively(dataDir);
                }
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (causedByBind(e) && !ownsDataDir) {
                throw new IllegalStateException("Embedded Kafka broker: port " + brokerPort + " or " + controllerPort
                        + " on " + LOOPBACK + " is taken", e);
            }
            if (causedByBind(e)) {
                throw new PortTakenException(e);
            }
            if (e instanceof Error) {
                throw (Error) e;
            }
            throw new IllegalStateException("Embedded Kafka broker failed to start: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> brokerProperties(int brokerPort, int controllerPort, Path logDir) {
        Map<String, String> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK + ":" + controllerPort);
        p.put("listeners", CLIENT_LISTENER + "://" + LOOPBACK + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + LOOPBACK + ":" + controllerPort);
        p.put("advertised.listeners", CLIENT_LISTENER + "://" + LOOPBACK + ":" + brokerPort);
        p.put("listener.security.protocol.map", CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", CLIENT_LISTENER);
        p.put("log.dirs", logDir.toString());

        // One node: every internal topic must fit on it.
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("min.insync.replicas", "1");
        p.put("default.replication.factor", "1");
        // Fewer internal partitions than production (50) so the first consumer group or transaction is ready fast.
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.num.partitions", "5");

        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");

        // The machine has 2 cores shared by many test JVMs: fewer threads and a small log-cleaner buffer
        // (the default reserves 128 MB of heap per broker for compaction that tests never need at that scale).
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(2 * 1024 * 1024));
        // A single voter needs no real election: elect it without waiting out the default timeouts.
        p.put("controller.quorum.election.timeout.ms", "500");
        p.put("controller.quorum.fetch.timeout.ms", "1000");
        return p;
    }

    /** Formats the log folder for KRaft as {@code kafka-storage.sh format} does, printing nothing. */
    private static void format(String clusterId, Path logDir, List<String> scram) throws Exception {
        Formatter formatter = new Formatter()
                .setScramArguments(scram)
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(clusterId)
                .setControllerListenerName(CONTROLLER_LISTENER)
                // The metadata log shares the one log folder, as it does when metadata.log.dir is unset.
                .setMetadataLogDirectory(logDir.toString())
                .setDirectories(List.of(logDir.toString()));
        formatter.run();
    }

    /** The {@code bootstrap.servers} string for clients, always {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return LOOPBACK + ":" + brokerPort;
    }

    /** The {@code bootstrap.servers} of the SSL listener; only for a broker made by {@link #startSecured}. */
    public String sslBootstrapServers() {
        if (sslPort < 0) {
            throw new IllegalStateException("this broker has no SSL listener: start it with startSecured");
        }
        return LOOPBACK + ":" + sslPort;
    }

    /** The {@code bootstrap.servers} of the SASL_SSL listener; only for a broker made by {@link #startSecured}. */
    public String saslSslBootstrapServers() {
        if (saslSslPort < 0) {
            throw new IllegalStateException("this broker has no SASL_SSL listener: start it with startSecured");
        }
        return LOOPBACK + ":" + saslSslPort;
    }

    /** The port of the client listener on {@code 127.0.0.1}. */
    public int brokerPort() {
        return brokerPort;
    }

    /** The port of the KRaft controller listener on {@code 127.0.0.1}. */
    public int controllerPort() {
        return controllerPort;
    }

    /** The random cluster id this broker's storage was formatted with. */
    public String clusterId() {
        return clusterId;
    }

    /**
     * The folder holding this broker's logs and metadata: a temporary one deleted by {@link #close()}, or the
     * caller's own given to {@link #startAt}, which is kept.
     */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Creates a topic with replication factor 1 and waits until every partition has a leader in the broker's metadata
     * and that leader replica serves requests (its log exists and this node leads it), so that producers, including
     * idempotent ones sending several requests at once, and consumers can use it at once.
     *
     * @param name the topic name
     * @param partitions how many partitions, at least 1
     * @throws IllegalStateException if the topic cannot be created (e.g. it already exists) or is not ready in time
     */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Like {@link #createTopic(String, int)}, with topic-level settings such as {@code cleanup.policy}.
     *
     * @param name the topic name
     * @param partitions how many partitions, at least 1
     * @param topicConfig topic settings in Kafka's own names
     * @throws IllegalStateException if the topic cannot be created or is not ready in time
     */
    public void createTopic(String name, int partitions, Map<String, String> topicConfig) {
        if (partitions < 1) {
            throw new IllegalArgumentException("Embedded Kafka broker: topic '" + name + "' needs at least 1 partition,"
                    + " got " + partitions);
        }
        Admin client = admin();
        NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(topicConfig);
        try {
            client.createTopics(List.of(topic)).all().get(TOPIC_READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            awaitTopicReady(client, name, partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Embedded Kafka broker: interrupted while creating topic '" + name + "'", e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("Embedded Kafka broker: could not create topic '" + name + "' with "
                    + partitions + " partitions: " + cause, cause);
        }
    }

    /**
     * Returns once every partition of the topic is served by its leader replica on this broker, not merely listed.
     *
     * <p>The controller acknowledges a topic once the creation is committed to the metadata log; the broker applies
     * it a moment later, in two steps: first its metadata cache (which answers Metadata and DescribeTopicPartitions
     * requests, so clients already see a leader for every partition), then its replica manager, which creates the
     * partitions' logs and makes this node their leader one partition after another. Until that second step reaches a
     * partition, a produce to it fails with NOT_LEADER_OR_FOLLOWER. That alone would only cost a retry, but an
     * idempotent producer pipelines up to five requests per connection: when its first batch for a partition is
     * refused this way and its second, sent a few milliseconds later, arrives after the partition exists, the broker
     * (which accepts any first sequence number from a producer it has no state for) appends the second batch, and every
     * retry of the first then fails with OUT_OF_ORDER_SEQUENCE_NUMBER until {@code delivery.timeout.ms} expires it
     * (Kafka's KAFKA-15591). So waiting for leaders in the metadata is not enough: this also asks each partition's
     * leader for its end offset (ListOffsets, which the broker answers from the partition's leader log and refuses
     * with NOT_LEADER_OR_FOLLOWER, like a produce, until the replica manager has made it leader there).
     */
    private static void awaitTopicReady(Admin client, String name, int partitions)
            throws InterruptedException, TimeoutException, ExecutionException {
        long deadline = System.nanoTime() + TOPIC_READY_TIMEOUT.toNanos();
        String lastState = "not described yet";
        List<TopicPartitionInfo> infos = null;
        // 1. Every partition is in the broker's metadata with a leader (what clients will be told).
        while (infos == null) {
            try {
                TopicDescription description = client.describeTopics(List.of(name)).allTopicNames().get()
                        .get(name);
                List<TopicPartitionInfo> described = description.partitions();
                long led = described.stream().filter(p -> p.leader() != null && !p.leader().isEmpty()).count();
                if (described.size() == partitions && led == partitions) {
                    infos = described;
                    break;
                }
                lastState = led + " of " + partitions + " partitions have a leader";
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                lastState = "broker does not know the topic yet";
            }
            sleepOrTimeOut(deadline, name, lastState);
        }
        // 2. Every partition's leader replica answers leader-only requests (what a produce needs).
        Map<TopicPartition, OffsetSpec> endOffsets = new HashMap<>();
        for (TopicPartitionInfo info : infos) {
            endOffsets.put(new TopicPartition(name, info.partition()), OffsetSpec.latest());
        }
        while (true) {
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMs <= 0) {
                throw notReady(name, lastState);
            }
            try {
                // Admin retries NOT_LEADER_OR_FOLLOWER / LEADER_NOT_AVAILABLE itself within the timeout.
                client.listOffsets(endOffsets, new ListOffsetsOptions().timeoutMs((int) Math.min(remainingMs, 5_000)))
                        .all().get();
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof RetriableException)) {
                    throw e;
                }
                lastState = "partition leaders listed but not yet serving: " + e.getCause();
            }
            sleepOrTimeOut(deadline, name, lastState);
        }
    }

    private static void sleepOrTimeOut(long deadline, String name, String lastState)
            throws InterruptedException, TimeoutException {
        if (System.nanoTime() >= deadline) {
            throw notReady(name, lastState);
        }
        Thread.sleep(20);
    }

    private static TimeoutException notReady(String name, String lastState) {
        return new TimeoutException("topic '" + name + "' not ready after " + TOPIC_READY_TIMEOUT + " (" + lastState
                + ")");
    }

    private synchronized Admin admin() {
        if (closed.get()) {
            throw new IllegalStateException("Embedded Kafka broker on " + bootstrapServers() + " is closed");
        }
        if (admin == null) {
            admin = Admin.create(adminConfig());
        }
        return admin;
    }

    /** A fresh, mutable Admin client configuration pointing at this broker. */
    public Map<String, Object> adminConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        // Fail a test within seconds, not the production minute, when something is wrong.
        c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        return c;
    }

    /**
     * A fresh, mutable producer configuration with {@code byte[]} keys and values: all in-sync replicas acknowledge
     * ({@code acks=all}) and idempotence is on, the engine's own defaults.
     */
    public Map<String, Object> producerConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return c;
    }

    /** {@link #producerConfig()} with UTF-8 {@code String} keys and values. */
    public Map<String, Object> stringProducerConfig() {
        Map<String, Object> c = producerConfig();
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        return c;
    }

    /**
     * A fresh, mutable consumer configuration with {@code byte[]} keys and values: reads from the earliest offset
     * when the group has none, and never auto-commits, so a test decides what is committed.
     *
     * @param groupId the consumer group; {@code null} for a consumer that only uses {@code assign()}
     */
    public Map<String, Object> consumerConfig(String groupId) {
        return consumerConfig(bootstrapServers(), groupId);
    }

    /**
     * {@link #consumerConfig(String)} for a broker at another address (one in a process of its own).
     *
     * @param bootstrapServers the broker's address
     * @param groupId the consumer group; {@code null} for a consumer that only uses {@code assign()}
     */
    public static Map<String, Object> consumerConfig(String bootstrapServers, String groupId) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        if (groupId != null) {
            c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        c.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return c;
    }

    /** {@link #consumerConfig(String)} with UTF-8 {@code String} keys and values. */
    public Map<String, Object> stringConsumerConfig(String groupId) {
        Map<String, Object> c = consumerConfig(groupId);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        return c;
    }

    /**
     * Shuts the broker down, waits for its threads to finish and deletes its data folder. Calling it again does
     * nothing. Clients still connected see the broker disappear, as with a real shutdown.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException jvmShuttingDown) {
                // The hook may already be running; closed is set, so it will return at once.
            }
        }
        synchronized (this) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
                admin = null;
            }
        }
        stopServer(server);
        if (ownsDataDir) {
            deleteRecursively(dataDir);
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers() + ", controller " + LOOPBACK + ":" + controllerPort
                + (closed.get() ? ", closed" : "") + "]";
    }

    /** Shuts the server down and waits for its threads; a server that never started is skipped. */
    private static void stopServer(KafkaRaftServer server) {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
    }

    /**
     * Picks distinct ports that are free on the loopback address at this moment, holding all of them open together
     * so the same port is not handed out twice.
     */
    private static int[] freeLoopbackPorts(int count) {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            InetAddress loopback = InetAddress.getByName(LOOPBACK);
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket();
                sockets[i].setReuseAddress(true);
                sockets[i].bind(new InetSocketAddress(loopback, 0));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("Embedded Kafka broker: cannot find a free port on " + LOOPBACK, e);
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // A probe socket that fails to close does not hold the port past the JVM; nothing to do.
                    }
                }
            }
        }
    }

    private static boolean causedByBind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Embedded Kafka broker: could not delete its data folder " + dir, e);
        }
    }

    /**
     * slf4j-simple reads a logger's level from the system property {@code org.slf4j.simpleLogger.log.<name>} when the
     * logger is created, so setting it before Kafka's classes create theirs quiets the broker's INFO chatter (config
     * dumps, every partition state change) without a logging config file. Properties a user has set are kept.
     */
    private static void quietKafkaLoggers() {
        for (String logger : List.of("kafka", "org.apache.kafka", "state.change.logger")) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) {
                System.setProperty(key, "warn");
            }
        }
    }

    /** A start attempt lost its picked port to another process; the caller retries with new ports. */
    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(Throwable cause) {
            super("Embedded Kafka broker: a picked port was taken before the broker bound it", cause);
        }
    }
}
