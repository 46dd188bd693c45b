package io.inferstream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;

/**
 * The one ONNX Runtime environment of the JVM, created on first use.
 *
 * <p>The holder idiom keeps the native library from loading (and extracting itself to {@code java.io.tmpdir})
 * until a model is actually loaded, so listing formats or sniffing files stays cheap; the JVM's class
 * initialisation makes the creation happen exactly once without locks on the hot path.
 *
 * <p>Thread safety: safe; the environment is shared by every session and never closed (ONNX Runtime expects
 * one environment for the life of the process).
 */
final class OrtRuntime {
    private OrtRuntime() {
    }

    /**
     * @return the shared environment
     * @throws LinkageError (e.g. {@code UnsatisfiedLinkError}) or {@code ExceptionInInitializerError} when the
     *     native library cannot be loaded on this machine
     */
    static OrtEnvironment environment() {
        return Holder.ENVIRONMENT;
    }

    private static final class Holder {
        // Warnings only: ONNX Runtime's info-level log lines on every session creation are noise in the engine's log.
        static final OrtEnvironment ENVIRONMENT =
                OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "inferstream");
    }
}
