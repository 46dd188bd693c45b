/**
 * The engine: {@link io.inferstream.engine.InferenceEngine} runs consume → decode → predict → produce → commit
 * loops on worker threads, micro-batched, at-least-once, with a dead-letter topic for records that cannot be
 * scored.
 */
package io.inferstream.engine;
