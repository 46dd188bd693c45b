package io.inferstream.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A few recent record values that the serving version scored: what a new version must be able to read before it
 * takes traffic (its compatibility check), and real rows to warm it up with.
 *
 * <p>Thread safety: thread-safe and lock-free; workers offer, the manager's loading thread reads.
 */
public final class TrafficSample {
    private final AtomicReferenceArray<byte[]> values;
    private final AtomicInteger next = new AtomicInteger();

    /** @param capacity how many recent values to keep */
    public TrafficSample(int capacity) {
        this.values = new AtomicReferenceArray<>(Math.max(1, capacity));
    }

    /** Keeps a value that was scored; the oldest kept value makes room. The array is not copied: do not change it. */
    public void offer(byte[] value) {
        if (value != null) {
            values.set(Math.floorMod(next.getAndIncrement(), values.length()), value);
        }
    }

    /** @return the kept values, in no particular order. */
    public List<byte[]> values() {
        List<byte[]> out = new ArrayList<>(values.length());
        for (int i = 0; i < values.length(); i++) {
            byte[] v = values.get(i);
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }
}
