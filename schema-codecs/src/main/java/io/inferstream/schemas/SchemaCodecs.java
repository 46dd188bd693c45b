package io.inferstream.schemas;

import io.inferstream.codec.PredictionEncoder;
import io.inferstream.codec.RecordCodecProvider;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.codec.SchemaUnavailableException;
import io.inferstream.config.EngineConfig;
import io.inferstream.model.ModelInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RecordCodecProvider} of {@code input.codec=avro|protobuf} and {@code output.codec=avro}: reads their keys
 * from the engine's configuration and makes the decoders and encoders.
 *
 * <p>Thread safety: stateless and thread-safe.
 */
public final class SchemaCodecs implements RecordCodecProvider {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaCodecs.class);

    @Override
    public List<String> inputCodecs() {
        return List.of("avro", "protobuf");
    }

    @Override
    public List<String> outputCodecs() {
        return List.of("avro");
    }

    @Override
    public RecordDecoder decoder(String codec, EngineConfig config, ModelInfo model) {
        InputTargets targets = new InputTargets(model, config.inputFieldPaths(), config.inputConcatenations(),
                config.getBoolean(EngineConfig.INPUT_ALLOW_NAN));
        return "protobuf".equals(codec) ? protobuf(config, targets) : avro(config, targets);
    }

    private static RecordDecoder avro(EngineConfig config, InputTargets targets) {
        String encoding = config.getString(EngineConfig.INPUT_AVRO_ENCODING);
        List<String> files = config.getList(EngineConfig.INPUT_AVRO_SCHEMA);
        switch (encoding) {
            case EngineConfig.ENCODING_BINARY: {
                if (files.size() != 1) {
                    throw new IllegalArgumentException("input.avro.encoding=binary needs exactly one schema file in "
                            + "input.avro.schema (the records carry no schema id), got " + files.size());
                }
                return AvroRecordDecoder.binary(targets, parse(files.get(0)), files.get(0));
            }
            case EngineConfig.ENCODING_SINGLE_OBJECT: {
                if (files.isEmpty()) {
                    throw new IllegalArgumentException("input.avro.encoding=single-object needs the schemas the records "
                            + "may name, as files in input.avro.schema");
                }
                Map<Schema, String> schemas = new LinkedHashMap<>();
                files.forEach(f -> schemas.put(parse(f), f));
                return AvroRecordDecoder.singleObject(targets, schemas);
            }
            default: {
                SchemaRegistryClient registry = registry(config, "input.avro.encoding=" + encoding);
                AvroRecordDecoder decoder = AvroRecordDecoder.registry(targets, registry);
                checkLatest(config, registry, "AVRO", decoder::requireFits);
                return decoder;
            }
        }
    }

    private static RecordDecoder protobuf(EngineConfig config, InputTargets targets) {
        if (EngineConfig.ENCODING_REGISTRY.equals(config.getString(EngineConfig.INPUT_PROTOBUF_ENCODING))) {
            SchemaRegistryClient registry = registry(config, "input.protobuf.encoding=registry");
            ProtobufRecordDecoder decoder = ProtobufRecordDecoder.registry(targets, registry);
            checkLatest(config, registry, "PROTOBUF", decoder::requireFits);
            return decoder;
        }
        String file = config.getString(EngineConfig.INPUT_PROTOBUF_DESCRIPTOR_SET);
        String message = config.getString(EngineConfig.INPUT_PROTOBUF_MESSAGE);
        if (file.isBlank() || message.isBlank()) {
            throw new IllegalArgumentException("input.codec=protobuf needs input.protobuf.descriptor.set (a file made "
                    + "by protoc --include_imports --descriptor_set_out=FILE) and input.protobuf.message, or "
                    + "input.protobuf.encoding=registry with schema.registry.url");
        }
        return ProtobufRecordDecoder.descriptorSet(targets, Path.of(file), message);
    }

    /**
     * With the registry encoding, the subject of each input topic ({@code <topic>-value}) may already hold a schema:
     * check its latest version against the model now, so that a model the topic cannot feed fails at start rather
     * than dead-letters every record. A registry that cannot be reached now only defers the check to the records.
     */
    private static void checkLatest(EngineConfig config, SchemaRegistryClient registry, String type,
            java.util.function.Consumer<RegisteredSchema> check) {
        for (String topic : config.getList(EngineConfig.INPUT_TOPICS)) {
            Optional<RegisteredSchema> latest;
            try {
                latest = registry.latest(topic + "-value");
            } catch (SchemaUnavailableException | IllegalStateException e) {
                LOG.warn("Cannot check the latest schema of subject {}-value against the model now: {}", topic,
                        e.getMessage());
                continue;
            }
            if (latest.isPresent() && type.equals(latest.get().type())) {
                try {
                    check.accept(latest.get());
                } catch (SchemaUnavailableException e) {
                    // Its references could not be fetched now: the records will, once the registry answers.
                    LOG.warn("Cannot check the latest schema of subject {}-value against the model now: {}", topic,
                            e.getMessage());
                }
            }
        }
    }

    @Override
    public PredictionEncoder<byte[]> encoder(String codec, EngineConfig config) {
        String url = config.getString(EngineConfig.SCHEMA_REGISTRY_URL);
        AvroPredictionEncoder.SchemaChoice choice = config.getBoolean(EngineConfig.OUTPUT_USE_LATEST_VERSION)
                ? AvroPredictionEncoder.SchemaChoice.LATEST
                : config.getBoolean(EngineConfig.OUTPUT_AUTO_REGISTER_SCHEMAS) ? AvroPredictionEncoder.SchemaChoice.REGISTER
                : AvroPredictionEncoder.SchemaChoice.LOOK_UP;
        return new AvroPredictionEncoder(url.isBlank() ? null : registry(config, "output.codec=avro"),
                config.getString(EngineConfig.OUTPUT_TOPIC), config.getString(EngineConfig.OUTPUT_SUBJECT_NAME_STRATEGY),
                choice, config.getString(EngineConfig.OUTPUT_AVRO_RECORD_NAME));
    }

    /**
     * @param needer the setting that needs a registry, for the message when none is configured
     * @return the client every decoder and encoder of this registry shares ({@link RegistryClients})
     */
    static SchemaRegistryClient registry(EngineConfig config, String needer) {
        String url = config.getString(EngineConfig.SCHEMA_REGISTRY_URL);
        if (url.isBlank()) {
            throw new IllegalArgumentException(needer + " needs schema.registry.url (or schemas given as files: "
                    + "input.avro.encoding=binary or single-object with input.avro.schema, or "
                    + "input.protobuf.descriptor.set)");
        }
        String ca = config.getString(EngineConfig.SCHEMA_REGISTRY_SSL_CA_LOCATION);
        return RegistryClients.shared(url, config.getPassword(EngineConfig.SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO).value(),
                ca.isBlank() ? null : Path.of(ca), Duration.ofMillis(config.getInt(EngineConfig.SCHEMA_REGISTRY_TIMEOUT_MS)));
    }

    /** @return the Avro schema in this .avsc file */
    static Schema parse(String file) {
        try {
            return new Schema.Parser().parse(Path.of(file).toFile());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("input.avro.schema " + file + " is not a readable Avro schema: "
                    + e.getMessage(), e);
        }
    }
}
