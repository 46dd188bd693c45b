package io.inferstream.deploy.kafka;

import io.inferstream.json.Json;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.DeploymentSpec;
import io.inferstream.deploy.VersionSpec;
import io.inferstream.deploy.VersionStatus;
import io.inferstream.deploy.signing.ModelTrust;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one model on a compacted model topic (layout in {@link ModelTopic}): on start it reads the topic to its
 * end, then keeps reading, and describes the model's versions and routing as a {@link DeploymentSpec}.
 *
 * <p>Chunks are spooled to a private temporary folder, never held in memory, and joined into the model file when the
 * version's descriptor arrives; the joined bytes must match the descriptor's size and SHA-256, and the size must not
 * exceed {@code model.max.bytes}, or the version is offered as defective (and rejected with that reason). What
 * became of each version is written back to the topic as a status record, for {@code inferstream models}.
 *
 * <p>Thread safety: {@link #initial} on the caller's thread, then one follower thread of its own; {@link #report}
 * and {@link #close()} from any thread.
 */
public final class ModelTopicSource implements DeploymentSource {
    private static final Logger LOG = LoggerFactory.getLogger(ModelTopicSource.class);

    private final Map<String, Object> clients;
    private final ModelTrust trust;
    private final String topic;
    private final String name;
    private final long maxBytes;
    private final BiFunction<Path, String, ModelProvider> providers;
    private final boolean reportStatus;
    private final Path spool;
    private final ModelTopicReader reader;
    private final Map<String, Assembled> assembled = new HashMap<>();
    private final String instance;
    private volatile boolean closed;
    private Thread follower;
    private KafkaProducer<byte[], byte[]> statusProducer;
    private boolean statusFailureLogged;

    /** A version's joined file, or why it could not be joined. */
    private static final class Assembled {
        final String fingerprint;
        final Path file;
        final String defect;

        Assembled(String fingerprint, Path file, String defect) {
            this.fingerprint = fingerprint;
            this.file = file;
            this.defect = defect;
        }
    }

    /**
     * @param clients Kafka client settings for the topic's reader and status writer (bootstrap, security)
     * @param topic the model topic
     * @param name the model to follow
     * @param maxBytes larger versions are rejected unread
     * @param providers makes the loader for a joined model file and its descriptor's format (empty: detect)
     * @param reportStatus write each version's status back to the topic
     */
    public ModelTopicSource(Map<String, Object> clients, String topic, String name, long maxBytes,
            BiFunction<Path, String, ModelProvider> providers, boolean reportStatus) {
        this(clients, topic, name, maxBytes, providers, reportStatus, ModelTrust.anyone());
    }

    /**
     * Like the other constructor, with a trust policy: under {@link ModelTrust#signedBy} a version's descriptor must
     * carry a signature a trusted key made over the joined file, for this model name and version.
     */
    public ModelTopicSource(Map<String, Object> clients, String topic, String name, long maxBytes,
            BiFunction<Path, String, ModelProvider> providers, boolean reportStatus, ModelTrust trust) {
        this.trust = java.util.Objects.requireNonNull(trust, "trust");
        this.clients = Map.copyOf(clients);
        this.topic = topic;
        this.name = ModelTopic.requireName(name);
        this.maxBytes = maxBytes;
        this.providers = providers;
        this.reportStatus = reportStatus;
        try {
            this.spool = Files.createTempDirectory("inferstream-model-topic-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a temporary folder for model chunks", e);
        }
        this.reader = new ModelTopicReader(clients, topic, new ModelTopicState(new SpoolingStore()));
        this.instance = ManagementFactory.getRuntimeMXBean().getName();
    }

    /** Writes the chunks of this source's model to the spool folder, one file per chunk. */
    private final class SpoolingStore implements ModelTopicState.ChunkStore {
        @Override
        public void put(String model, String version, int index, byte[] bytes) throws IOException {
            if (model.equals(name)) {
                Path dir = Files.createDirectories(spool.resolve(version));
                Files.write(dir.resolve("chunk-" + index), bytes);
            }
        }

        @Override
        public void drop(String model, String version) {
            if (model.equals(name)) {
                deleteTree(spool.resolve(version));
            }
        }
    }

    @Override
    public DeploymentSpec initial(Duration timeout) throws ModelLoadException {
        try {
            reader.catchUp(timeout);
        } catch (IllegalStateException | org.apache.kafka.common.KafkaException e) {
            throw new ModelLoadException("cannot read model topic '" + topic + "': " + e.getMessage(), e);
        }
        return spec();
    }

    @Override
    public void start(Consumer<DeploymentSpec> listener) {
        follower = new Thread(() -> {
            DeploymentSpec last = spec();
            while (!closed) {
                try {
                    if (reader.poll(Duration.ofMillis(500)) > 0) {
                        DeploymentSpec next = spec();
                        if (!next.equals(last)) {
                            last = next;
                            listener.accept(next);
                        }
                    }
                } catch (RuntimeException e) {
                    if (!closed) {
                        LOG.warn("Reading model topic '{}': {}", topic, e.toString());
                    }
                }
            }
        }, "inferstream-model-topic");
        follower.setDaemon(true);
        follower.start();
    }

    /** @return the model's versions and routing as the topic has them now. */
    private DeploymentSpec spec() {
        ModelTopicState state = reader.state();
        List<VersionSpec> versions = new ArrayList<>();
        for (ModelTopic.Descriptor d : state.versions(name).values()) {
            Assembled a = assemble(d, state.chunksSeen(name, d.version));
            String origin = "topic " + topic + " (" + d.file + ", " + d.size + " bytes)";
            versions.add(a.defect != null
                    ? VersionSpec.defective(d.version, origin, a.fingerprint, a.defect)
                    : VersionSpec.of(d.version, origin, a.fingerprint, providers.apply(a.file, d.format)));
        }
        assembled.keySet().retainAll(state.versions(name).keySet());
        return new DeploymentSpec(name, versions, state.routing(name).orElse(null));
    }

    private Assembled assemble(ModelTopic.Descriptor d, int chunksSeen) {
        String fingerprint = d.sha256 + "/" + d.size + "/" + chunksSeen
                + (d.signature == null ? "" : "/signed:" + Integer.toHexString(d.signature.hashCode()));
        Assembled before = assembled.get(d.version);
        if (before != null && before.fingerprint.equals(fingerprint)) {
            return before;
        }
        Assembled a = join(d, chunksSeen, fingerprint);
        assembled.put(d.version, a);
        return a;
    }

    private Assembled join(ModelTopic.Descriptor d, int chunksSeen, String fingerprint) {
        if (d.sha256 == null || !d.sha256.matches("[0-9a-f]{64}")) {
            return new Assembled(fingerprint, null, "its descriptor has no valid sha256");
        }
        if (d.size > maxBytes) {
            return new Assembled(fingerprint, null, "it is " + d.size + " bytes, more than model.max.bytes=" + maxBytes);
        }
        if (chunksSeen < d.chunks) {
            return new Assembled(fingerprint, null, "incomplete: " + chunksSeen + " of " + d.chunks
                    + " chunks are on the topic");
        }
        Path dir = spool.resolve(d.version);
        Path file = dir.resolve(safeFileName(d.file));
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long size = 0;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), sha)) {
                for (int i = 0; i < d.chunks; i++) {
                    try (InputStream in = Files.newInputStream(dir.resolve("chunk-" + i))) {
                        size += in.transferTo(out);
                    }
                    if (size > maxBytes) {
                        return new Assembled(fingerprint, null, "its chunks hold more than model.max.bytes=" + maxBytes);
                    }
                }
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (size != d.size) {
                return new Assembled(fingerprint, null, "its chunks hold " + size + " bytes, the descriptor says " + d.size);
            }
            if (!actual.equals(d.sha256)) {
                return new Assembled(fingerprint, null, "SHA-256 mismatch: the descriptor says " + d.sha256
                        + ", the bytes give " + actual);
            }
            byte[] bundle;
            try {
                bundle = d.signature == null ? null : Base64.getDecoder().decode(d.signature);
            } catch (IllegalArgumentException e) {
                return new Assembled(fingerprint, null, "its descriptor's signature is not base64");
            }
            Optional<String> refusal = trust.refusal(file, bundle, name, d.version);
            if (refusal.isPresent()) {
                return new Assembled(fingerprint, null, "untrusted: " + refusal.get());
            }
            return new Assembled(fingerprint, file, null);
        } catch (IOException e) {
            return new Assembled(fingerprint, null, "cannot join its chunks: " + e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The descriptor's file name without folders or unusual characters; the extension helps format detection. */
    static String safeFileName(String file) {
        String base = file == null ? "" : file.replace('\\', '/');
        base = base.substring(base.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
        return base.isEmpty() || base.startsWith(".") || base.startsWith("chunk-") ? "model" + base : base;
    }

    @Override
    public synchronized void report(VersionStatus status) {
        if (!reportStatus || closed) {
            return;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", status.state().name());
        m.put("weight", status.weightPercent());
        m.put("shadow", status.shadow());
        m.put("reason", status.reason());
        m.put("instance", instance);
        m.put("at", Instant.now().toString());
        try {
            if (statusProducer == null) {
                Map<String, Object> p = new HashMap<>(clients);
                p.keySet().retainAll(ProducerConfig.configNames());
                p.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
                p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "inferstream-model-status-" + topic);
                p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
                p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
                statusProducer = new KafkaProducer<>(p);
            }
            statusProducer.send(new ProducerRecord<>(topic, ModelTopic.statusKey(name, status.version())
                    .getBytes(StandardCharsets.UTF_8), Json.write(m)), (meta, e) -> {
                        if (e != null) {
                            logStatusFailure(e);
                        }
                    });
        } catch (RuntimeException e) {
            logStatusFailure(e);
        }
    }

    private synchronized void logStatusFailure(Exception e) {
        if (!statusFailureLogged) {
            statusFailureLogged = true;
            LOG.warn("Cannot write version status to model topic '{}' (inferstream models will not show it): {}",
                    topic, e.toString());
        }
    }

    @Override
    public String describe() {
        return "topic " + topic + " (model " + name + ")";
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        reader.wakeup();
        if (follower != null) {
            try {
                follower.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        reader.close();
        synchronized (this) {
            if (statusProducer != null) {
                statusProducer.close(Duration.ofSeconds(5));
            }
        }
        deleteTree(spool);
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    LOG.debug("cannot delete {}: {}", p, e.toString());
                }
            });
        } catch (IOException e) {
            LOG.debug("cannot delete {}: {}", root, e.toString());
        }
    }
}
