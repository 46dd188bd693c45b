package io.inferstream.monitor;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The predictions waiting for their true label, by record key, in the order they were made: bounded in time (a
 * prediction older than the window has expired) and in count (at the cap, the oldest waiting prediction is dropped
 * to make room, so memory stays bounded however far labels fall behind). A key predicted again before its label
 * arrives keeps only its newest prediction, as the label is taken to be for the latest event of that key.
 *
 * <p>Thread safety: thread-safe; one lock, taken once per batch by the workers and once per label.
 */
final class PendingPredictions {
    /** What was predicted for one key, and when. */
    static final class Pending {
        final ByteBuffer key;
        final VersionQuality version;
        final String label; // a classifier's predicted label, or null
        final double value; // a regressor's predicted value (NaN for a classifier)
        final long atMillis;

        /** @param key the record key; Kafka hands each record its own array, never reused, so it is not copied */
        Pending(byte[] key, VersionQuality version, String label, double value, long atMillis) {
            this.key = ByteBuffer.wrap(key);
            this.version = version;
            this.label = label;
            this.value = value;
            this.atMillis = atMillis;
        }
    }

    private final long windowMs;
    private final int capacity;
    // Insertion order is time order (a re-predicted key moves to the end), so expiry only ever looks at the head.
    private final LinkedHashMap<ByteBuffer, Pending> byKey = new LinkedHashMap<>();

    PendingPredictions(long windowMs, int capacity) {
        this.windowMs = windowMs;
        this.capacity = capacity;
    }

    /** Remembers a batch's predictions; counts what they supersede and what the cap drops. */
    void rememberAll(List<Pending> made) {
        synchronized (byKey) {
            for (Pending p : made) {
                // Removed first, not replaced: a re-scored key moves to the end, where its new time belongs.
                Pending old = byKey.remove(p.key);
                if (old != null) {
                    old.version.dropped(VersionQuality.SUPERSEDED);
                }
                byKey.put(p.key, p);
                if (byKey.size() > capacity) {
                    Iterator<Pending> eldest = byKey.values().iterator();
                    eldest.next().version.dropped(VersionQuality.CAPACITY);
                    eldest.remove();
                }
            }
        }
    }

    /**
     * Takes the prediction waiting for a key's label.
     *
     * @return the prediction if one made within the window waits for this key; null if none does (one that has
     *     waited longer is removed and counted as expired)
     */
    Pending take(byte[] key, long nowMillis) {
        synchronized (byKey) {
            Pending p = byKey.remove(ByteBuffer.wrap(key));
            if (p != null && nowMillis - p.atMillis > windowMs) {
                p.version.expired();
                return null;
            }
            return p;
        }
    }

    /** Removes and counts as expired every prediction that has waited longer than the window. */
    void expire(long nowMillis) {
        synchronized (byKey) {
            for (Iterator<Map.Entry<ByteBuffer, Pending>> it = byKey.entrySet().iterator(); it.hasNext(); ) {
                Pending p = it.next().getValue();
                if (nowMillis - p.atMillis <= windowMs) {
                    break;
                }
                p.version.expired();
                it.remove();
            }
        }
    }

    /** @return predictions waiting for a label. */
    int size() {
        synchronized (byKey) {
            return byKey.size();
        }
    }
}
