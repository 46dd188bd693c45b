package io.inferstream.bench;

/**
 * One end-to-end row's measured span: from its first input record (or, for the engine, the moment its group has
 * formed) until the broker holds all of its outputs, with the records moved in it. Besides the rate, it tells what
 * the span cost the machine: the process's CPU time per record and how many cores that kept busy, the collector's
 * pauses and the JIT compilers' time in it.
 *
 * <p>Thread safety: immutable.
 *
 * @param start the first moment of the span
 * @param end the last
 * @param records records moved between them
 */
record Window(Moment start, Moment end, long records) {
    /** @return records per second */
    double rate() {
        return records / seconds();
    }

    /** @return the span's wall-clock length in seconds */
    double seconds() {
        return (end.nanos() - start.nanos()) / 1e9;
    }

    /** @return microseconds of CPU (all threads of the process) per record, or NaN where the JVM cannot tell */
    double cpuMicrosPerRecord() {
        return start.cpuNanos() < 0 ? Double.NaN : (end.cpuNanos() - start.cpuNanos()) / 1e3 / records;
    }

    /** @return the mean number of cores the process kept busy over the span, or NaN where the JVM cannot tell */
    double coresBusy() {
        return start.cpuNanos() < 0 ? Double.NaN : (end.cpuNanos() - start.cpuNanos()) / 1e9 / seconds();
    }

    /** @return "pauses / ms" of stop-the-world collections within the span */
    String gc() {
        return (end.gcPauses() - start.gcPauses()) + " GC / " + (end.gcMillis() - start.gcMillis()) + " ms";
    }

    /**
     * @return "JIT N ms": the compilers' time within the span (each compiler thread's time added up, so up to the
     *     span's length times the compiler threads), or "" where the JVM cannot tell
     */
    String jit() {
        return start.jitMillis() < 0 ? "" : "JIT " + (end.jitMillis() - start.jitMillis()) + " ms";
    }
}
