package io.inferstream.flink;

import io.inferstream.config.EngineConfig;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/**
 * The engine's configuration keys used inside a Flink job (the {@code WITH} options of {@code CREATE MODEL}, the
 * codec keys of {@link RecordDecoderFactory#engineCodec}): validated by {@link EngineConfig}, with placeholders for
 * the engine's required Kafka keys, which have no meaning where Flink does the reading and writing.
 *
 * <p>Thread safety: stateless.
 */
public final class EngineSettings {
    /** Engine keys nothing here needs a value for; a placeholder keeps EngineConfig's validation of the rest. */
    private static final Map<String, String> UNUSED_KAFKA_KEYS = Map.of(
            EngineConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9", EngineConfig.GROUP_ID, "flink",
            EngineConfig.INPUT_TOPICS, "flink", EngineConfig.OUTPUT_TOPIC, "flink",
            EngineConfig.DEAD_LETTER_TOPIC, "flink");

    private EngineSettings() {
    }

    /**
     * @param keys engine keys and values; the given ones win over the placeholders
     * @throws IllegalArgumentException with EngineConfig's message if a key is unknown or a value invalid
     */
    public static EngineConfig config(Map<String, String> keys) {
        Map<String, String> all = new HashMap<>(UNUSED_KAFKA_KEYS);
        all.putAll(keys);
        try {
            return new EngineConfig(all);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("invalid engine option: " + e.getMessage(), e);
        }
    }
}
