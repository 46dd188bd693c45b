package io.inferstream.flink.model;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.deploy.TrafficSample;
import io.inferstream.engine.ModelSources;
import io.inferstream.flink.EngineSettings;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code WITH} options of one {@code CREATE MODEL ... 'provider' = 'inferstream'}: the engine's configuration
 * keys, validated by {@link EngineConfig} (an unknown key is refused with a "did you mean"), and the two keys of this
 * provider ({@link RowErrorStrategy#OPTION}, {@link RowErrorStrategy#ERROR_COLUMN_OPTION}). The engine's Kafka keys
 * that have no meaning inside a Flink job (topics, group) are filled in when absent; {@code bootstrap.servers} is
 * only needed with {@code model.topic}. Serializable: Flink ships it to the task managers, where
 * {@link #startDeployments} loads the model.
 *
 * <p>Thread safety: immutable.
 */
final class ModelOptions implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Options of Flink itself (the {@code provider}) or of this provider: not engine keys. */
    private static final Set<String> NOT_ENGINE_KEYS = Set.of("provider", "task", RowErrorStrategy.OPTION,
            RowErrorStrategy.ERROR_COLUMN_OPTION);
    private final HashMap<String, String> engineKeys = new HashMap<>();
    private final RowErrorStrategy errors;
    private final String errorColumn;

    /**
     * @param options the model's {@code WITH} options
     * @throws IllegalArgumentException if an option is unknown or invalid, or no model location is given
     */
    ModelOptions(Map<String, String> options) {
        options.forEach((k, v) -> {
            if (!NOT_ENGINE_KEYS.contains(k)) {
                engineKeys.put(k, v);
            }
        });
        this.errors = RowErrorStrategy.parse(options.getOrDefault(RowErrorStrategy.OPTION, "failover"));
        this.errorColumn = options.getOrDefault(RowErrorStrategy.ERROR_COLUMN_OPTION, "error");
        EngineConfig config = config();
        if (!config.getString(EngineConfig.MODEL_TOPIC).isBlank() && !engineKeys.containsKey(EngineConfig.BOOTSTRAP_SERVERS)) {
            throw new IllegalArgumentException("'model.topic' needs 'bootstrap.servers': the Kafka cluster that holds "
                    + "the model topic");
        }
        if (config.getString(EngineConfig.MODEL_TOPIC).isBlank() && config.getString(EngineConfig.MODEL_URL).isBlank()
                && (config.getString(EngineConfig.MODEL_PATH) == null
                        || config.getString(EngineConfig.MODEL_PATH).isBlank())) {
            throw new IllegalArgumentException("the inferstream model provider needs 'model.path' (a model file, or "
                    + "a folder of numbered versions), 'model.url' (a model server) or 'model.topic' with "
                    + "'model.name' (a model topic written by inferstream publish-model)");
        }
    }

    /** @throws IllegalArgumentException with EngineConfig's message if a key is unknown or invalid */
    EngineConfig config() {
        try {
            return EngineSettings.config(engineKeys);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid option of the inferstream model provider: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    RowErrorStrategy errors() {
        return errors;
    }

    String errorColumn() {
        return errorColumn;
    }

    int maxBatchSize() {
        return config().getInt(EngineConfig.MAX_BATCH_SIZE);
    }

    int maxRecordBytes() {
        return config().getInt(EngineConfig.INPUT_MAX_RECORD_BYTES);
    }

    /**
     * Loads the model where the options say and follows it (hot swap from a versioned folder or a model topic), for
     * one function instance.
     *
     * @param slots threads scoring against it concurrently (a model that is not thread-safe is loaded this often)
     * @throws ModelLoadException if nothing can be served, with every version's reason
     */
    DeploymentManager startDeployments(int slots) throws ModelLoadException {
        EngineConfig config = config();
        DeploymentSettings settings = new DeploymentSettings(slots, info -> RecordCodecs.decoder(config, info),
                config.getList(EngineConfig.MODEL_CLASS_LABELS), config.getString(EngineConfig.MODEL_CLASS_OUTPUT),
                config.getInt(EngineConfig.MODEL_WARMUP_RECORDS), List.of(), false);
        DeploymentManager manager = new DeploymentManager(
                ModelSources.fromConfig(config, ModelRegistry.discover(), Path.of("")), settings, new TrafficSample(16));
        try {
            manager.start(Duration.ofMillis(config.getLong(EngineConfig.MODEL_LOAD_TIMEOUT_MS)));
        } catch (ModelLoadException | RuntimeException e) {
            manager.close();
            throw e;
        }
        return manager;
    }
}
