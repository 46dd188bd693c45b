package io.inferstream.testkit.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.ScratchDirectory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Proves the embedded broker is a working Kafka: records go in and come back complete and in partition order, it
 * listens on loopback only, it cleans up after itself and several can run at once.
 */
class EmbeddedKafkaBrokerTest {

    private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(30);

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void thousandRecordsOverThreePartitionsComeBackCompleteAndInPartitionOrder() {
        broker.createTopic("roundtrip", 3);
        int n = 1_000;
        List<SimpleImmutableEntry<String, String>> sent = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sent.add(new SimpleImmutableEntry<>("key-" + i, "value-" + (i * 7)));
        }

        List<RecordMetadata> written = KafkaRecords.produceStrings(broker, "roundtrip", sent);
        List<ConsumerRecord<String, String>> received = KafkaRecords.consumeStrings(broker, "roundtrip", n,
                CONSUME_TIMEOUT);

        assertEquals(n, received.size());
        assertEquals(n, KafkaRecords.countRecords(broker, "roundtrip"));
        // Where the producer was told each record landed is where the consumer finds it, with the same content.
        Map<String, RecordMetadata> writtenByKey = new HashMap<>();
        for (int i = 0; i < n; i++) {
            writtenByKey.put(sent.get(i).getKey(), written.get(i));
        }
        Map<Integer, Long> lastOffset = new HashMap<>();
        Set<Integer> partitionsSeen = new HashSet<>();
        for (ConsumerRecord<String, String> r : received) {
            int i = Integer.parseInt(r.key().substring("key-".length()));
            assertEquals("value-" + (i * 7), r.value(), "value of " + r.key());
            RecordMetadata meta = writtenByKey.remove(r.key());
            assertEquals(meta.partition(), r.partition(), "partition of " + r.key());
            assertEquals(meta.offset(), r.offset(), "offset of " + r.key());
            Long previous = lastOffset.put(r.partition(), r.offset());
            assertTrue(previous == null || previous < r.offset(), "offsets increase within partition " + r.partition());
            partitionsSeen.add(r.partition());
        }
        assertTrue(writtenByKey.isEmpty(), "every produced key was consumed once: missing " + writtenByKey.keySet());
        assertEquals(Set.of(0, 1, 2), partitionsSeen, "keyed records spread over all three partitions");
    }

    @Test
    void bytesRoundTripUnchanged() {
        broker.createTopic("bytes", 1);
        List<SimpleImmutableEntry<byte[], byte[]>> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            byte[] value = new byte[i + 1];
            for (int j = 0; j < value.length; j++) {
                value[j] = (byte) (i * 31 + j - 128);
            }
            sent.add(new SimpleImmutableEntry<>(i % 2 == 0 ? null : ("k" + i).getBytes(StandardCharsets.UTF_8),
                    value));
        }
        KafkaRecords.produceBytes(broker, "bytes", sent);
        List<ConsumerRecord<byte[], byte[]>> received = KafkaRecords.consumeBytes(broker, "bytes", 10,
                CONSUME_TIMEOUT);
        for (int i = 0; i < 10; i++) {
            // One partition, so the order of sending is the order of reading.
            assertArrayEquals(sent.get(i).getKey(), received.get(i).key(), "key " + i);
            assertArrayEquals(sent.get(i).getValue(), received.get(i).value(), "value " + i);
        }
    }

    @Test
    void listensOnLoopbackOnly() throws IOException {
        assertEquals("127.0.0.1:" + broker.brokerPort(), broker.bootstrapServers());
        // Linux lists every listening socket in /proc/net/tcp{,6}: both ports must be bound to 127.0.0.1 and to
        // nothing else. Reading the table sends no traffic anywhere.
        Path tcp4 = Path.of("/proc/net/tcp");
        assumeTrue(Files.isReadable(tcp4), "no /proc/net/tcp on this system");
        for (int port : new int[] {broker.brokerPort(), broker.controllerPort()}) {
            List<InetAddress> addresses = listeningAddresses(port);
            assertFalse(addresses.isEmpty(), "something listens on port " + port);
            // Java may bind a dual-stack socket, listed as ::ffff:127.0.0.1 in tcp6; that is still loopback only.
            // A wildcard (0.0.0.0 or ::) or any interface address would be reachable from outside.
            for (InetAddress address : addresses) {
                assertTrue(address.isLoopbackAddress(), "port " + port + " listens on " + address);
            }
        }
    }

    @Test
    void tooFewRecordsFailsNamingHowManyArrived() {
        broker.createTopic("short", 1);
        List<SimpleImmutableEntry<String, String>> sent = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sent.add(new SimpleImmutableEntry<>(null, "v" + i));
        }
        KafkaRecords.produceStrings(broker, "short", sent);

        AssertionError tooFew = assertThrows(AssertionError.class,
                () -> KafkaRecords.consumeStrings(broker, "short", 6, Duration.ofMillis(500)));
        assertTrue(tooFew.getMessage().contains("expected 6 records from topic 'short'"), tooFew.getMessage());
        assertTrue(tooFew.getMessage().contains("only 5 arrived"), tooFew.getMessage());

        AssertionError tooMany = assertThrows(AssertionError.class,
                () -> KafkaRecords.consumeStrings(broker, "short", 4, CONSUME_TIMEOUT));
        assertTrue(tooMany.getMessage().contains("exactly 4") && tooMany.getMessage().contains("5 arrived"),
                tooMany.getMessage());
    }

    @Test
    void consumerGroupsCommitOffsetsOnTheSingleNode() throws Exception {
        // The engine consumes in a group and commits after each batch: that needs __consumer_offsets, which a
        // single node can only host with replication factor 1.
        broker.createTopic("grouped", 2);
        List<Map.Entry<String, String>> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add(Map.entry("k" + i, "v" + i));
        }
        KafkaRecords.produceStrings(broker, "grouped", sent);

        int seen = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(broker.stringConsumerConfig("g1"))) {
            consumer.subscribe(List.of("grouped"));
            long deadline = System.nanoTime() + CONSUME_TIMEOUT.toNanos();
            while (seen < sent.size() && System.nanoTime() < deadline) {
                seen += consumer.poll(Duration.ofMillis(100)).count();
            }
            consumer.commitSync();
        }
        assertEquals(sent.size(), seen);
        try (Admin admin = Admin.create(broker.adminConfig())) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("g1")
                    .partitionsToOffsetAndMetadata().get();
            long total = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
            assertEquals(sent.size(), total, "committed offsets add up to the records read: " + committed);
        }
    }

    @Test
    void transactionsCommitAndAbortOnTheSingleNode() {
        // Exactly-once mode needs the transaction state log (replication factor 1, min ISR 1 here).
        broker.createTopic("transactional", 1);
        Map<String, Object> config = broker.stringProducerConfig();
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("transactional", "a", "kept"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("transactional", "b", "dropped"));
            // Without the flush the producer may drop the unsent record on abort and never write it or a marker.
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>("transactional", "c", "kept too"));
            producer.commitTransaction();
        }
        Map<String, Object> readCommitted = broker.stringConsumerConfig(null);
        readCommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(readCommitted)) {
            TopicPartition tp = new TopicPartition("transactional", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + CONSUME_TIMEOUT.toNanos();
            while (values.size() < 2 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
            }
        }
        assertEquals(List.of("kept", "kept too"), values);
        // Three data records and three commit/abort markers occupy offsets, as countRecords documents.
        assertEquals(6, KafkaRecords.countRecords(broker, "transactional"));
    }

    @Test
    void aMissingTopicFailsAtOnceNamingIt() {
        AssertionError e = assertThrows(AssertionError.class, () -> KafkaRecords.countRecords(broker, "never-made"));
        assertTrue(e.getMessage().contains("'never-made' does not exist"), e.getMessage());
        assertThrows(AssertionError.class,
                () -> KafkaRecords.consumeStrings(broker, "never-made", 1, Duration.ofSeconds(1)));
    }

    @Test
    void creatingAnExistingTopicFailsNamingIt() {
        broker.createTopic("twice", 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> broker.createTopic("twice", 2));
        assertTrue(e.getMessage().contains("'twice'"), e.getMessage());
    }

    @Test
    void managedSettingsCannotBeOverridden() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddedKafkaBroker.start(Map.of("listeners", "PLAINTEXT://0.0.0.0:9092")));
        assertTrue(e.getMessage().contains("'listeners'"), e.getMessage());
    }

    @Test
    void closeStopsTheBrokerDeletesItsFolderAndIsIdempotent() throws IOException {
        EmbeddedKafkaBroker own = EmbeddedKafkaBroker.start();
        Path dataDir = own.dataDir();
        int port = own.brokerPort();
        assertTrue(Files.exists(dataDir.resolve("log").resolve("meta.properties")), "storage was formatted");

        own.close();

        assertTrue(own.isClosed());
        assertFalse(Files.exists(dataDir), "data folder deleted: " + dataDir);
        // The listener is gone: its port can be bound again.
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        }
        assertDoesNotThrow(own::close, "second close is harmless");
        assertThrows(IllegalStateException.class, () -> own.createTopic("late", 1));
    }

    @Test
    void startAtFixedPortsAndFolderRestartsWithItsDataAndKeepsTheFolder() throws Exception {
        int[] ports = new int[2];
        try (ServerSocket a = new ServerSocket(); ServerSocket b = new ServerSocket()) {
            a.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            b.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            ports[0] = a.getLocalPort();
            ports[1] = b.getLocalPort();
        }
        try (ScratchDirectory scratch = ScratchDirectory.create("inferstream-kafka-fixed")) {
            Path dataDir = scratch.path();
            String clusterId;
            try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.startAt(ports[0], ports[1], dataDir, Map.of())) {
                clusterId = first.clusterId();
                first.createTopic("kept", 1);
                KafkaRecords.produceStrings(first, "kept", List.of(new SimpleImmutableEntry<>("k", "v")));
            }
            assertTrue(Files.exists(dataDir.resolve("log").resolve("meta.properties")), "the caller's folder is kept");
            try (EmbeddedKafkaBroker again = EmbeddedKafkaBroker.startAt(ports[0], ports[1], dataDir, Map.of())) {
                assertEquals("127.0.0.1:" + ports[0], again.bootstrapServers());
                assertEquals(clusterId, again.clusterId(), "the same cluster, not a freshly formatted one");
                List<ConsumerRecord<String, String>> back = KafkaRecords.consumeStrings(again, "kept", 1,
                        CONSUME_TIMEOUT);
                assertEquals("v", back.get(0).value());
            }
        }
    }

    @Test
    void twoBrokersRunSideBySideOnDifferentPortsWithTheirOwnData() throws Exception {
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.start(Map.of("log.retention.ms", "4321000"))) {
            Set<Integer> ports = Set.of(broker.brokerPort(), broker.controllerPort(), second.brokerPort(),
                    second.controllerPort());
            assertEquals(4, ports.size(), "all four listeners on distinct ports: " + broker + ", " + second);
            assertNotEquals(broker.clusterId(), second.clusterId());
            assertNotEquals(broker.dataDir(), second.dataDir());

            broker.createTopic("side-by-side", 1);
            second.createTopic("side-by-side", 1);
            KafkaRecords.produceStrings(broker, "side-by-side", List.of(Map.entry("a", "1"), Map.entry("b", "2"),
                    Map.entry("c", "3")));
            KafkaRecords.produceStrings(second, "side-by-side", List.of(Map.entry("x", "9")));
            assertEquals(3, KafkaRecords.countRecords(broker, "side-by-side"));
            assertEquals(1, KafkaRecords.countRecords(second, "side-by-side"));
            assertEquals("9", KafkaRecords.consumeStrings(second, "side-by-side", 1, CONSUME_TIMEOUT).get(0).value());

            // The override reached the second broker's live configuration, and only that broker's.
            assertEquals("4321000", brokerSetting(second, "log.retention.ms"));
            assertNotEquals("4321000", brokerSetting(broker, "log.retention.ms"));
        }
    }

    private static String brokerSetting(EmbeddedKafkaBroker b, String name) throws Exception {
        try (Admin admin = Admin.create(b.adminConfig())) {
            ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "1");
            Config config = admin.describeConfigs(List.of(node)).all().get().get(node);
            return config.get(name).value();
        }
    }

    /** Local addresses of sockets in LISTEN state on a port, IPv4 and IPv6, decoded from the kernel's tables. */
    private static List<InetAddress> listeningAddresses(int port) throws IOException {
        List<InetAddress> found = new ArrayList<>();
        String hexPort = String.format("%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(table);
            if (!Files.isReadable(path)) {
                continue;
            }
            for (String line : Files.readAllLines(path)) {
                String[] cols = line.trim().split("\\s+");
                // cols[1] = local "ADDR:PORT", cols[3] = state; 0A is LISTEN.
                if (cols.length > 3 && cols[3].equals("0A") && cols[1].endsWith(":" + hexPort)) {
                    found.add(kernelAddress(cols[1].substring(0, cols[1].indexOf(':'))));
                }
            }
        }
        return found;
    }

    /**
     * The kernel prints an address as 32-bit words in host (little-endian) byte order: 127.0.0.1 is 0100007F.
     * Java turns an IPv4-mapped IPv6 address into the plain IPv4 one.
     */
    static InetAddress kernelAddress(String hex) throws IOException {
        byte[] bytes = new byte[hex.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            for (int b = 0; b < 4; b++) {
                int at = (word * 4 + (3 - b)) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return InetAddress.getByAddress(bytes);
    }

    @Test
    void kernelAddressDecoding() throws IOException {
        assertEquals(InetAddress.getByName("127.0.0.1"), kernelAddress("0100007F"));
        assertEquals(InetAddress.getByName("127.0.0.1"), kernelAddress("0000000000000000FFFF00000100007F"));
        assertEquals(InetAddress.getByName("0.0.0.0"), kernelAddress("00000000"));
        assertFalse(kernelAddress("00000000000000000000000000000000").isLoopbackAddress());
    }
}
