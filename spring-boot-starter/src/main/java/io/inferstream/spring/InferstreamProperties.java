package io.inferstream.spring;

import io.inferstream.config.EngineConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * The {@code inferstream.*} properties of an application, read as the engine's own keys: {@code inferstream.} is
 * removed and the rest is the engine key as the configuration reference names it ({@code inferstream.model.path}
 * is {@code model.path}, {@code inferstream.consumer.max.poll.records} is {@code consumer.max.poll.records}). So
 * every engine key, present and future, works, with the engine's types, defaults, validation and "did you mean"
 * (an unknown key fails the application's start). In YAML the keys may nest ({@code inferstream: model: path: ...}).
 * {@code inferstream.enabled=false} turns the engine off.
 *
 * <p>Thread safety: stateless.
 */
public final class InferstreamProperties {
    /** The prefix of every property. */
    public static final String PREFIX = "inferstream";
    /** A key of the starter itself, not of the engine. */
    static final String ENABLED = "enabled";

    private InferstreamProperties() {
    }

    /** @return the engine keys with their values as the environment gives them (text). */
    public static Map<String, String> engineKeys(Environment environment) {
        Map<String, String> keys = new LinkedHashMap<>(Binder.get(environment)
                .bind(PREFIX, Bindable.mapOf(String.class, String.class)).orElseGet(Map::of));
        keys.remove(ENABLED);
        return keys;
    }

    /**
     * @throws org.apache.kafka.common.config.ConfigException if a key is unknown or invalid, naming it
     */
    public static EngineConfig engineConfig(Environment environment) {
        return new EngineConfig(engineKeys(environment));
    }
}
