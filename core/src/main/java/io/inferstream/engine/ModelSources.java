package io.inferstream.engine;

import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.deploy.RoutingSpec;
import io.inferstream.deploy.VersionedDirectorySource;
import io.inferstream.deploy.kafka.ModelTopicSource;
import io.inferstream.deploy.signing.ModelTrust;
import io.inferstream.deploy.signing.TrustedKeys;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigException;

/**
 * Makes the {@link DeploymentSource} a configuration describes: {@code model.topic} (a Kafka model topic),
 * {@code model.path} pointing at a base folder of numbered version folders (watched, TF Serving's layout), or
 * {@code model.path} pointing at one model (fixed), or {@code model.url} (or a {@code model.path} written as a URL)
 * naming a model server (fixed: the server owns its versions).
 *
 * <p>Thread safety: stateless.
 */
public final class ModelSources {
    private ModelSources() {
    }

    /**
     * @param config the engine configuration
     * @param registry loaders for the model formats
     * @param baseDir folder that a relative {@code model.path} is resolved against (the properties file's)
     * @throws ConfigException if neither key is set, the path does not exist, or the routing keys are malformed
     */
    public static DeploymentSource fromConfig(EngineConfig config, ModelRegistry registry, Path baseDir) {
        String format = config.getString(EngineConfig.MODEL_FORMAT);
        Map<String, Object> options = config.modelOptions();
        ModelTrust trust = trust(config, baseDir);
        String topic = config.getString(EngineConfig.MODEL_TOPIC);
        if (!topic.isBlank()) {
            return new ModelTopicSource(kafkaClients(config), topic, config.getString(EngineConfig.MODEL_NAME),
                    config.getLong(EngineConfig.MODEL_MAX_BYTES),
                    (file, published) -> () -> registry.load(ModelSource.of(file),
                            format.isBlank() ? published : format, options),
                    config.getBoolean(EngineConfig.MODEL_TOPIC_REPORT_STATUS), trust);
        }
        String pathText = config.getString(EngineConfig.MODEL_PATH);
        String urlText = config.getString(EngineConfig.MODEL_URL);
        if (!urlText.isBlank() || ModelSource.isUrl(pathText)) {
            return remote(config, registry, urlText.isBlank() ? pathText.trim() : urlText.trim(), format, options);
        }
        if (pathText == null || pathText.isBlank()) {
            throw new ConfigException("missing required key 'model.path' (the model file or folder to serve), "
                    + "'model.url' (a model server's address) or 'model.topic' with 'model.name' (a model topic "
                    + "written by inferstream publish-model)");
        }
        Path path = baseDir.resolve(pathText).toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new ConfigException(EngineConfig.MODEL_PATH, path.toString(), "does not exist");
        }
        if (VersionedDirectorySource.isVersionedBase(path)) {
            RoutingSpec routing = null;
            String weights = config.getString(EngineConfig.MODEL_ROUTING_WEIGHTS);
            try {
                if (!weights.isBlank()) {
                    routing = RoutingSpec.parse(weights, config.getString(EngineConfig.MODEL_ROUTING_SHADOW), true);
                }
                return new VersionedDirectorySource(path, config.getString(EngineConfig.MODEL_NAME),
                        config.getString(EngineConfig.MODEL_VERSION_POLICY), routing,
                        Duration.ofMillis(config.getLong(EngineConfig.MODEL_POLL_INTERVAL_MS)),
                        versionPath -> () -> registry.load(ModelSource.of(versionPath), format, options), trust);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        if (trust.requiresSignatures()) {
            throw new ConfigException(EngineConfig.MODEL_TRUSTED_KEYS, config.getList(EngineConfig.MODEL_TRUSTED_KEYS)
                    .toString(), "signatures are checked on versions from model.topic or a versioned model.path "
                    + "folder; " + path + " is a single model, which whoever starts the engine chooses");
        }
        return new FixedModelSource(path.toString(), () -> registry.load(ModelSource.of(path), format, options));
    }

    /** @return the trust policy model.trusted.keys sets (its files resolved against baseDir) */
    private static ModelTrust trust(EngineConfig config, Path baseDir) {
        List<String> files = config.getList(EngineConfig.MODEL_TRUSTED_KEYS);
        if (files.isEmpty()) {
            return ModelTrust.anyone();
        }
        List<Path> paths = new ArrayList<>();
        files.forEach(f -> paths.add(baseDir.resolve(f.trim())));
        try {
            return ModelTrust.signedBy(TrustedKeys.fromFiles(paths));
        } catch (IOException e) {
            throw new ConfigException(EngineConfig.MODEL_TRUSTED_KEYS, files.toString(), e.getMessage());
        }
    }

    /**
     * A model server is one fixed version whose loader (found by URL or by model.format) reads the server's metadata;
     * the loader also gets the remote.* client settings, which file loaders never see.
     */
    private static DeploymentSource remote(EngineConfig config, ModelRegistry registry, String url, String format,
            Map<String, Object> modelOptions) {
        ModelSource source;
        try {
            source = ModelSource.of(URI.create(url));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(EngineConfig.MODEL_URL, url, e.getMessage());
        }
        Map<String, Object> options = new HashMap<>(config.remoteOptions());
        options.putAll(modelOptions);
        return new FixedModelSource(url, () -> registry.load(source, format, options));
    }

    /**
     * @return bootstrap servers and every consumer setting that is not the consumer's own business (security,
     *     SSL, SASL, timeouts): what the model topic's reader and status writer need to reach the same cluster
     */
    static Map<String, Object> kafkaClients(EngineConfig config) {
        Map<String, Object> c = new HashMap<>(config.consumerOverrides());
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.getList(EngineConfig.BOOTSTRAP_SERVERS));
        return c;
    }
}
