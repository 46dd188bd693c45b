package io.inferstream.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * A moment of this JVM as the benchmarks see it: the wall clock, the CPU time every thread of the process has used
 * so far (the broker, the load's clients and the app under test all run in it), the collector's stop-the-world
 * pauses and the JIT compilers' time so far. Two moments make a {@link Window}.
 *
 * <p>Thread safety: immutable; {@link #now()} may be called from any thread (a consumer's callback marks the start of
 * some rows).
 *
 * @param nanos {@link System#nanoTime()}
 * @param cpuNanos CPU time of the whole process, or -1 where the JVM cannot tell
 * @param gcPauses stop-the-world collections so far
 * @param gcMillis their total duration so far
 * @param jitMillis time the JIT compilers' threads have spent compiling so far, or -1 where the JVM cannot tell
 */
record Moment(long nanos, long cpuNanos, long gcPauses, long gcMillis, long jitMillis) {
    private static final java.lang.management.OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

    /** @return this moment */
    static Moment now() {
        long pauses = 0;
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (GcPauses.stopsTheWorld(gc.getName())) {
                pauses += Math.max(0, gc.getCollectionCount());
                millis += Math.max(0, gc.getCollectionTime());
            }
        }
        long cpu = OS instanceof com.sun.management.OperatingSystemMXBean hotspot ? hotspot.getProcessCpuTime() : -1;
        long jit = JIT != null && JIT.isCompilationTimeMonitoringSupported() ? JIT.getTotalCompilationTime() : -1;
        return new Moment(System.nanoTime(), cpu, pauses, millis, jit);
    }
}
