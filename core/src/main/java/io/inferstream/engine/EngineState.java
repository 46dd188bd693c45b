package io.inferstream.engine;

/** Where an {@link InferenceEngine} is in its life. */
public enum EngineState {
    /** Workers are consuming and scoring. */
    RUNNING,
    /** close() was called; workers are finishing their in-flight batches. */
    STOPPING,
    /** Every worker has stopped after close(); all processed batches were committed. */
    STOPPED,
    /** A model-wide or Kafka failure stopped the engine; nothing was committed past the last good batch. */
    FAILED
}
