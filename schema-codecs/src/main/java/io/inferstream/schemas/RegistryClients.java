package io.inferstream.schemas;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * One {@link SchemaRegistryClient}, with its cache of schemas by id, per registry and credentials among the decoders
 * and encoders alive in this JVM: every decoder and encoder of an engine (each model version, each worker, the Kafka
 * Streams processor's and the Flink operator's subtasks in one task manager) shares it, so a writer schema is fetched
 * once however many decoders need it, and a hot swap, which makes new decoders while the old ones still serve,
 * fetches nothing again. Sharing across engines is safe: a schema id means the same schema for every client of one
 * registry.
 *
 * <p>The clients are held here weakly: a client lives as long as a decoder or encoder that uses it, no longer. A
 * strong map would keep every client (its schema cache, its HTTP client and that client's selector thread, whose
 * context class loader is the job's) for the life of the JVM: in a Flink session cluster, a finished job's class
 * loader would never be collected. Nothing needs closing: when the last user of a client is collected, so is the
 * client, and the JDK's HTTP client ends its selector thread once its facade is unreachable.
 *
 * <p>Thread safety: thread-safe (synchronized; taken once per decoder or encoder made, never per record).
 */
final class RegistryClients {
    /** What makes two clients interchangeable; the credentials are part of it (two users may see different things). */
    private record Key(String url, String userInfo, Path ca, Duration timeout) {
        @Override
        public String toString() {
            return url; // never the credentials
        }
    }

    /** A client held weakly, with its key, so that a collected client's entry can be removed. */
    private static final class Held extends WeakReference<SchemaRegistryClient> {
        final Key key;

        Held(Key key, SchemaRegistryClient client, ReferenceQueue<SchemaRegistryClient> queue) {
            super(client, queue);
            this.key = key;
        }
    }

    private static final Map<Key, Held> CLIENTS = new HashMap<>();
    private static final ReferenceQueue<SchemaRegistryClient> COLLECTED = new ReferenceQueue<>();

    private RegistryClients() {
    }

    /**
     * @return the client of this registry that a live decoder or encoder already uses, or a new one
     * @throws IllegalArgumentException if the URL or the CA file cannot be used
     */
    static synchronized SchemaRegistryClient shared(String url, String userInfo, Path ca, Duration timeout) {
        forgetCollected();
        Key key = new Key(url, userInfo == null ? "" : userInfo, ca, timeout);
        Held held = CLIENTS.get(key);
        SchemaRegistryClient client = held == null ? null : held.get();
        if (client == null) {
            client = new SchemaRegistryClient(key.url(), key.userInfo(), key.ca(), key.timeout());
            CLIENTS.put(key, new Held(key, client, COLLECTED));
        }
        return client;
    }

    /** @return whether a client of this registry URL is still alive, for tests of their release */
    static synchronized boolean alive(String url) {
        forgetCollected();
        return CLIENTS.keySet().stream().anyMatch(k -> k.url().equals(url));
    }

    private static void forgetCollected() {
        for (var r = COLLECTED.poll(); r != null; r = COLLECTED.poll()) {
            Held held = (Held) r;
            CLIENTS.remove(held.key, held); // a newer client of the same key stays
        }
    }
}
