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

    /** Stack for native calls that need more than a default Java thread's 1 MB. */
    private static final long NATIVE_STACK_BYTES = 16L << 20;

    /** Work to run on a thread with a large stack. */
    @FunctionalInterface
    interface NativeCall<T> {
        T call() throws Exception;
    }

    /**
     * Runs {@code call} on a short-lived thread with a 16 MB stack and returns its result. ONNX Runtime 1.29's
     * environment and session creation can overflow a default 1 MB Java thread stack and kill the JVM with SIGSEGV
     * (seen here on the main thread, depending on how deep the caller already was), so these calls never run on
     * the caller's own stack.
     */
    static <T> T onLargeStack(NativeCall<T> call) throws Exception {
        Object[] result = new Object[1];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = call.call();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "onnxruntime-native", NATIVE_STACK_BYTES);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the native call cannot be abandoned half-way; finish it first
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] instanceof Exception) {
            throw (Exception) failure[0];
        }
        if (failure[0] instanceof Error) {
            throw (Error) failure[0];
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    private static OrtEnvironment newEnvironment() throws Exception {
        return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING, "inferstream");
    }

    private static final class Holder {
        // Warnings only: ONNX Runtime's info-level log lines on every session creation are noise in the engine's log.
        static final OrtEnvironment ENVIRONMENT = create();

        private static OrtEnvironment create() {
            try {
                // A method of the outer class, not a lambda here: a lambda's body would belong to Holder, and the
                // helper thread would wait for Holder's initialisation, which waits for the helper thread.
                return onLargeStack(OrtRuntime::newEnvironment);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the ONNX Runtime environment: " + e, e);
            }
        }
    }
}
