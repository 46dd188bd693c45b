package io.inferstream.engine;

/**
 * One worker thread of an {@link InferenceEngine}: a consumer group member ({@link InferenceWorker}) or a share group
 * member ({@link ShareGroupWorker}), each with its own Kafka clients.
 *
 * <p>Thread safety: {@link #run()} runs on the worker's own thread; {@link #wakeup()} may be called from any thread;
 * {@link #closeUnstarted()} only for a worker whose thread never started.
 */
interface EngineWorker extends Runnable {
    /** Interrupts a blocking poll so the loop notices that the engine is stopping. */
    void wakeup();

    /** Closes the Kafka clients of a worker whose thread never started (a failed engine start). */
    void closeUnstarted();
}
