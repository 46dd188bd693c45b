package io.inferstream.deploy.kafka;

import io.inferstream.deploy.RoutingSpec;
import io.inferstream.deploy.signing.ModelSigner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes to a model topic (layout in {@link ModelTopic}): model versions as chunks followed by their descriptor, and
 * routings. A folder (a TensorFlow SavedModel) is zipped first. The topic is created compacted with one partition
 * when it does not exist, so every record of a model stays in order and compaction keeps the current state.
 *
 * <p>Thread safety: not thread-safe; use from one thread and close it.
 */
public final class ModelPublisher implements AutoCloseable {
    private final Map<String, Object> clients;
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;

    /**
     * @param clients bootstrap.servers and any security settings
     * @param topic the model topic
     */
    public ModelPublisher(Map<String, Object> clients, String topic) {
        this.clients = Map.copyOf(clients);
        this.topic = topic;
        Map<String, Object> p = new HashMap<>(clients);
        p.keySet().retainAll(ProducerConfig.configNames());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // One chunk per record: allow records up to the chunk size plus key and headers.
        p.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_576);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        this.producer = new KafkaProducer<>(p);
    }

    /**
     * Creates the topic, compacted with one partition, unless it exists.
     *
     * @return true if it was created
     */
    public boolean ensureTopic(Duration timeout) throws IOException {
        Map<String, Object> a = new HashMap<>(clients);
        a.keySet().retainAll(AdminClientConfig.configNames());
        try (Admin admin = Admin.create(a)) {
            try {
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
                if (d.partitions().size() != 1) {
                    throw new IOException("model topic '" + topic + "' has " + d.partitions().size() + " partitions; a "
                            + "model topic needs exactly one, so that a model's records stay in order");
                }
                return false;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IOException("cannot describe topic '" + topic + "': " + e.getCause(), e.getCause());
                }
            }
            NewTopic t = new NewTopic(topic, 1, (short) -1).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            try {
                admin.createTopics(List.of(t)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    return false;
                }
                throw new IOException("cannot create model topic '" + topic + "': " + e.getCause(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IOException("no answer from the Kafka cluster within " + timeout, e);
        }
    }

    /**
     * Publishes a version: every chunk, then the descriptor, each acknowledged before this returns.
     *
     * @param name the model name
     * @param version a whole number above 0
     * @param model a model file, or a folder (zipped first)
     * @param format the format id, or empty to let the engine detect it
     * @param chunkBytes bytes per chunk record
     * @return the descriptor written
     */
    public ModelTopic.Descriptor publish(String name, String version, Path model, String format, int chunkBytes)
            throws IOException {
        return publish(name, version, model, format, chunkBytes, null);
    }

    /**
     * Like {@link #publish(String, String, Path, String, int)}, signed: the descriptor carries an OpenSSF model
     * signature over the published file, bound to this name and version (engines with {@code model.trusted.keys}
     * load only such versions).
     *
     * @param signer signs the version; null publishes it unsigned
     */
    public ModelTopic.Descriptor publish(String name, String version, Path model, String format, int chunkBytes,
            ModelSigner signer) throws IOException {
        ModelTopic.requireName(name);
        String v = RoutingSpec.requireVersion(version);
        if (Files.isDirectory(model)) {
            // A folder (a SavedModel) travels as one zip; the engine's loaders take zips of SavedModels.
            Path zipped = Files.createTempFile("inferstream-publish-", ".zip");
            try {
                zip(model, zipped);
                return publish(name, v, zipped, model.getFileName() + ".zip", format, chunkBytes, signer);
            } finally {
                Files.deleteIfExists(zipped);
            }
        }
        return publish(name, v, model, model.getFileName().toString(), format, chunkBytes, signer);
    }

    private ModelTopic.Descriptor publish(String name, String v, Path model, String file, String format,
            int chunkBytes, ModelSigner signer) throws IOException {
        // Signed under the name the engines' spool gives the joined file, which is what they check.
        String signature = signer == null ? null : Base64.getEncoder().encodeToString(
                signer.sign(model, ModelTopicSource.safeFileName(file), name, v));
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        long size = 0;
        int chunks = 0;
        try (InputStream in = new DigestInputStream(Files.newInputStream(model), sha)) {
            byte[] chunk;
            while ((chunk = in.readNBytes(chunkBytes)).length > 0) {
                send(ModelTopic.chunkKey(name, v, chunks++), chunk);
                size += chunk.length;
            }
        }
        producer.flush();
        ModelTopic.Descriptor d = new ModelTopic.Descriptor(name, v, format, HexFormat.of().formatHex(sha.digest()),
                size, chunks, file, Instant.now().toString(), signature);
        send(ModelTopic.descriptorKey(name, v), d.toJson());
        producer.flush();
        return d;
    }

    /** Publishes a routing for a model: engines following the topic apply it once every version it names loads. */
    public void route(String name, RoutingSpec routing) throws IOException {
        ModelTopic.requireName(name);
        send(ModelTopic.routingKey(name), ModelTopic.routingJson(routing));
        producer.flush();
    }

    private void send(String key, byte[] value) throws IOException {
        try {
            producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value))
                    .get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IOException("cannot write " + key + " to topic '" + topic + "': " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (TimeoutException e) {
            throw new IOException("no acknowledgement for " + key + " within 60 s", e);
        }
    }

    /** Zips a folder (relative paths, sorted, times zeroed, so the same folder gives the same checksum). */
    static void zip(Path folder, Path zipFile) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(zipFile))) {
            for (Path f : files) {
                ZipEntry e = new ZipEntry(folder.relativize(f).toString().replace('\\', '/'));
                e.setTime(0);
                zip.putNextEntry(e);
                Files.copy(f, zip); // leaves the zip stream open for the next entry
                zip.closeEntry();
            }
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
