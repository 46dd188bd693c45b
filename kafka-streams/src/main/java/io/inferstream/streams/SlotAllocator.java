package io.inferstream.streams;

import java.util.HashMap;
import java.util.Map;

/**
 * Gives each stream thread its own worker slot, so a model that is not thread-safe (loaded once per slot) is never
 * used by two threads at once. The processors of all tasks on one thread share that thread's slot: a thread runs its
 * tasks one at a time. A slot is free again when the last processor on its thread has closed.
 *
 * <p>Thread safety: thread-safe (synchronized; called only when processors open and close).
 */
final class SlotAllocator {
    private final int slots;
    private final Map<Thread, int[]> held = new HashMap<>(); // thread -> {slot, processors open on it}

    SlotAllocator(int slots) {
        this.slots = slots;
    }

    /**
     * @param threadSafe whether every version now serving may be shared across threads
     * @throws IllegalStateException if every slot is taken by another thread and the model is not thread-safe
     */
    synchronized int acquire(Thread thread, boolean threadSafe) {
        int[] mine = held.get(thread);
        if (mine != null) {
            mine[1]++;
            return mine[0];
        }
        boolean[] taken = new boolean[slots];
        held.values().forEach(h -> {
            if (h[0] < slots) {
                taken[h[0]] = true;
            }
        });
        int slot = -1;
        for (int i = 0; i < slots && slot < 0; i++) {
            if (!taken[i]) {
                slot = i;
            }
        }
        if (slot < 0) {
            if (!threadSafe) {
                throw new IllegalStateException("more stream threads than model instances: the model is not "
                        + "thread-safe and InferenceOptions.slots is " + slots + "; set it to num.stream.threads");
            }
            // A thread-safe model has one shared instance whatever the slot; any number past the end will do.
            slot = slots + held.size();
        }
        held.put(thread, new int[] {slot, 1});
        return slot;
    }

    synchronized void release(Thread thread) {
        int[] mine = held.get(thread);
        if (mine != null && --mine[1] == 0) {
            held.remove(thread);
        }
    }
}
