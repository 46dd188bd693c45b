package io.inferstream.flink;

import io.inferstream.deploy.DeploymentManager;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.deploy.TrafficSample;
import io.inferstream.deploy.VersionedDirectorySource;
import io.inferstream.deploy.kafka.ModelTopicSource;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelProvider;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Where a subtask's model comes from: serializable, because Flink ships functions to its task managers while models
 * (native sessions, open files) are not. Each subtask calls {@link #start} in its {@code open()} and so loads its own
 * model, which suits models that are not thread-safe: one instance per subtask.
 * <pre>{@code
 * ModelDeployment.path("/models/fraud.onnx")                  // one fixed model file
 * ModelDeployment.versionedDirectory("/models/fraud")         // <base>/<version>/, newest serves, hot swap
 * ModelDeployment.modelTopic(Map.of("bootstrap.servers", bootstrap), "models", "fraud")  // publish-model / route
 * ModelDeployment.of("fraud", () -> new MyModel())           // a model made in code
 * }</pre>
 * Loaders are found with {@link ModelRegistry#discover()} on the task manager: the job jar carries the adapters.
 *
 * <p>Thread safety: implementations are immutable.
 */
@FunctionalInterface
public interface ModelDeployment extends Serializable {

    /** @return a new source for one subtask; the subtask's {@link DeploymentManager} closes it. */
    DeploymentSource source();

    /**
     * Loads the source's current deployment and follows it (hot swap), for one subtask or one SQL function.
     *
     * @param slots threads that score concurrently against it (a model that is not thread-safe is loaded this often)
     * @throws ModelLoadException if nothing can be served, with every version's reason
     */
    default DeploymentManager start(InferenceOptions options, int slots) throws ModelLoadException {
        DeploymentManager manager = new DeploymentManager(source(), options.deploymentSettings(slots),
                new TrafficSample(16));
        try {
            manager.start(options.loadTimeout());
        } catch (ModelLoadException | RuntimeException e) {
            manager.close();
            throw e;
        }
        return manager;
    }

    /**
     * A model in code, or loaded by code of your own.
     *
     * @param provider serializable (a lambda assigned to {@link SerializableModelProvider} is), called on the task
     */
    static ModelDeployment of(String name, SerializableModelProvider provider) {
        return () -> new FixedModelSource(name, provider);
    }

    /** One model file or folder that never changes; its format is detected. */
    static ModelDeployment path(String path) {
        return path(path, null);
    }

    /** One model file or folder that never changes, in the given format (null: detect). */
    static ModelDeployment path(String path, String format) {
        return of(path, () -> ModelRegistry.discover().load(ModelSource.of(Path.of(path)), format, Map.of()));
    }

    /**
     * A folder in TF Serving's {@code <base>/<version>/} layout, scanned every 10 s: the newest version that loads
     * serves, and a new one is swapped in without a restart.
     */
    static ModelDeployment versionedDirectory(String base) {
        return versionedDirectory(base, Duration.ofSeconds(10));
    }

    /** Like {@link #versionedDirectory(String)}, scanned every {@code poll}. */
    static ModelDeployment versionedDirectory(String base, Duration poll) {
        return () -> new VersionedDirectorySource(Path.of(base), null, "latest", null, poll,
                file -> () -> ModelRegistry.discover().load(ModelSource.of(file), null, Map.of()));
    }

    /**
     * Follows model {@code name} on a model topic written by {@code inferstream publish-model} and
     * {@code inferstream route}, as the engine's {@code model.topic} does: versions, routing and shadows.
     *
     * @param kafkaClients at least {@code bootstrap.servers}, plus any security settings of the cluster
     */
    static ModelDeployment modelTopic(Map<String, String> kafkaClients, String topic, String name) {
        HashMap<String, Object> clients = new HashMap<>(kafkaClients);
        return () -> new ModelTopicSource(clients, topic, name, 1L << 30,
                (file, format) -> () -> ModelRegistry.discover().load(ModelSource.of(file), format, Map.of()), true);
    }

    /**
     * A {@link ModelProvider} that Flink can ship to its subtasks.
     *
     * <p>Thread safety: called from the subtask that opens, once per model instance.
     */
    @FunctionalInterface
    interface SerializableModelProvider extends ModelProvider, Serializable {
    }
}
