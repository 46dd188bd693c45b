package io.inferstream.schemas;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link SchemaRegistryClient}, with its cache of schemas by id, per registry and credentials in this JVM: every
 * decoder and encoder of an engine (each model version, each worker, the Kafka Streams processor's and the Flink
 * operator's subtasks in one task manager) shares it, so a writer schema is fetched once however many decoders need
 * it, and a hot swap, which makes new decoders, fetches nothing again. Sharing across engines is safe: a schema id
 * means the same schema for every client of one registry.
 *
 * <p>Thread safety: thread-safe.
 */
final class RegistryClients {
    /** What makes two clients interchangeable; the credentials are part of it (two users may see different things). */
    private record Key(String url, String userInfo, Path ca, Duration timeout) {
        @Override
        public String toString() {
            return url; // never the credentials
        }
    }

    private static final Map<Key, SchemaRegistryClient> CLIENTS = new ConcurrentHashMap<>();

    private RegistryClients() {
    }

    /**
     * @return the client of this registry, made on first use
     * @throws IllegalArgumentException if the URL or the CA file cannot be used
     */
    static SchemaRegistryClient shared(String url, String userInfo, Path ca, Duration timeout) {
        return CLIENTS.computeIfAbsent(new Key(url, userInfo == null ? "" : userInfo, ca, timeout),
                k -> new SchemaRegistryClient(k.url(), k.userInfo(), k.ca(), k.timeout()));
    }
}
