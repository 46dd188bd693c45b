package io.inferstream.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The stop-the-world collections of this JVM while a measurement runs: how many, their total and the longest. In the
 * benchmarks one JVM holds the broker, the load generator and the engine, so a pause stops all three, and a latency
 * tail can be read against it. Concurrent phases (G1's marking, ZGC's cycles) are not pauses and are left out.
 *
 * <p>Thread safety: the counters are updated on the JMX notification thread and read by the caller; they are atomic.
 */
final class GcPauses implements AutoCloseable {
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong totalMillis = new AtomicLong();
    private final AtomicLong maxMillis = new AtomicLong();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = (notification, handback) -> {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
                (CompositeData) notification.getUserData());
        if (info.getGcCause().contains("No GC") || !stopsTheWorld(info.getGcName())) {
            return;
        }
        long millis = info.getGcInfo().getDuration();
        count.incrementAndGet();
        totalMillis.addAndGet(millis);
        maxMillis.accumulateAndGet(millis, Math::max);
    };

    /** Starts counting the pauses from now. */
    GcPauses() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter) {
                NotificationEmitter emitter = (NotificationEmitter) gc;
                emitter.addNotificationListener(listener, null, null);
                emitters.add(emitter);
            }
        }
    }

    /**
     * @return whether a collector of this name pauses the application: G1's and ZGC's concurrent cycles run beside
     *     it and are reported as collectors of their own ("G1 Concurrent GC", "ZGC Major Cycles")
     */
    static boolean stopsTheWorld(String collectorName) {
        return !collectorName.contains("Concurrent") && !collectorName.contains("Cycles");
    }

    /** @return "count / total ms / longest ms" so far */
    String summary() {
        return count.get() + " / " + totalMillis.get() + " / " + maxMillis.get();
    }

    @Override
    public void close() {
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException e) {
                // never added: nothing to remove
            }
        }
    }
}
