package io.inferstream.deploy.kafka;

import io.inferstream.json.Json;
import io.inferstream.deploy.DeploymentSpec;
import io.inferstream.deploy.RoutingSpec;
import java.io.IOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a model topic says, record by record: every model's descriptors, which chunks have been seen, the routing,
 * and the statuses engines reported. Chunk bytes go to a {@link ChunkStore} (the engine spools them to disk; a
 * listing only counts them), so the state itself stays small however large the models are.
 *
 * <p>Thread safety: not thread-safe; one reader thread applies records and reads the state.
 */
public final class ModelTopicState {
    private static final Logger LOG = LoggerFactory.getLogger(ModelTopicState.class);

    /** Where chunk bytes go. */
    public interface ChunkStore {
        /** Keeps chunk {@code index} of a version. */
        void put(String name, String version, int index, byte[] bytes) throws IOException;

        /** Forgets every chunk of a version (it was deleted). */
        void drop(String name, String version);
    }

    /** A store that keeps nothing: for listings. */
    public static final ChunkStore COUNT_ONLY = new ChunkStore() {
        @Override
        public void put(String name, String version, int index, byte[] bytes) {
        }

        @Override
        public void drop(String name, String version) {
        }
    };

    private final ChunkStore chunks;
    private final Map<String, Map<String, ModelTopic.Descriptor>> descriptors = new TreeMap<>();
    private final Map<String, Set<Integer>> chunksSeen = new HashMap<>();
    private final Map<String, RoutingSpec> routings = new TreeMap<>();
    private final Map<String, String> routingErrors = new TreeMap<>();
    private final Map<String, Map<String, Map<String, Object>>> statuses = new TreeMap<>();
    private final Map<String, String> badDescriptors = new TreeMap<>();

    public ModelTopicState(ChunkStore chunks) {
        this.chunks = chunks;
    }

    /** Applies one record of the topic (null value: a tombstone). */
    public void apply(byte[] key, byte[] value) {
        Optional<ModelTopic.Key> parsed = ModelTopic.Key.parse(key);
        if (parsed.isEmpty()) {
            return;
        }
        ModelTopic.Key k = parsed.get();
        String id = k.name + "/" + k.version;
        try {
            switch (k.kind) {
                case CHUNK:
                    if (value != null) {
                        chunks.put(k.name, k.version, k.chunk, value);
                        chunksSeen.computeIfAbsent(id, x -> new TreeSet<>()).add(k.chunk);
                    }
                    break;
                case DESCRIPTOR:
                    if (value == null) {
                        versionsOf(k.name).remove(k.version);
                        chunksSeen.remove(id);
                        chunks.drop(k.name, k.version);
                    } else {
                        versionsOf(k.name).put(k.version, ModelTopic.Descriptor.fromJson(value));
                        badDescriptors.remove(id);
                    }
                    break;
                case ROUTING:
                    if (value == null) {
                        routings.remove(k.name);
                        routingErrors.remove(k.name);
                    } else {
                        try {
                            routings.put(k.name, ModelTopic.routingFromJson(value));
                            routingErrors.remove(k.name);
                        } catch (IOException e) {
                            routingErrors.put(k.name, e.getMessage());
                            LOG.error("Ignoring the routing of model {} on the model topic: {}", k.name, e.getMessage());
                        }
                    }
                    break;
                default:
                    if (value == null) {
                        statusesOf(k.name).remove(k.version);
                    } else {
                        statusesOf(k.name).put(k.version, Json.parseObject(value));
                    }
            }
        } catch (IOException e) {
            if (k.kind == ModelTopic.Key.Kind.DESCRIPTOR) {
                badDescriptors.put(id, e.getMessage());
            }
            LOG.warn("Ignoring record {} of the model topic: {}", id, e.getMessage());
        }
    }

    private Map<String, ModelTopic.Descriptor> versionsOf(String name) {
        return descriptors.computeIfAbsent(name, n -> new TreeMap<>(DeploymentSpec.VERSION_ORDER));
    }

    private Map<String, Map<String, Object>> statusesOf(String name) {
        return statuses.computeIfAbsent(name, n -> new TreeMap<>(DeploymentSpec.VERSION_ORDER));
    }

    /** @return the model names with at least one version or a routing. */
    public Set<String> names() {
        Set<String> out = new TreeSet<>(descriptors.keySet());
        out.addAll(routings.keySet());
        return out;
    }

    /** @return version to descriptor, oldest first. */
    public Map<String, ModelTopic.Descriptor> versions(String name) {
        return Collections.unmodifiableMap(descriptors.getOrDefault(name, Map.of()));
    }

    /** @return how many distinct chunks of a version have been seen. */
    public int chunksSeen(String name, String version) {
        Set<Integer> seen = chunksSeen.get(name + "/" + version);
        return seen == null ? 0 : seen.size();
    }

    /** @return the routing, if one is published and valid. */
    public Optional<RoutingSpec> routing(String name) {
        return Optional.ofNullable(routings.get(name));
    }

    /** @return why the published routing was ignored, if it was. */
    public Optional<String> routingError(String name) {
        return Optional.ofNullable(routingErrors.get(name));
    }

    /** @return version to the last status an engine reported (state, weight, shadow, reason, instance, at). */
    public Map<String, Map<String, Object>> statuses(String name) {
        return Collections.unmodifiableMap(statuses.getOrDefault(name, Map.of()));
    }
}
