package io.inferstream.pytorch;

import ai.djl.engine.Engine;
import ai.djl.util.Platform;
import io.inferstream.model.ModelLoadException;

/**
 * Starts DJL's PyTorch engine once per JVM, offline: libtorch and DJL's JNI bridge come from the
 * {@code pytorch-native-cpu} and {@code pytorch-jni} jars on the class path (DJL copies them into its cache folder,
 * {@code ~/.djl.ai/pytorch} unless {@code DJL_CACHE_DIR} says otherwise) or from a libtorch folder named by
 * {@code PYTORCH_LIBRARY_PATH}; DJL is never allowed to download them, nor to report its use over the network.
 *
 * <p>Why a system property: DJL reads its offline switch ({@code ai.djl.offline}) only from the environment or the
 * system properties. It is set before DJL's first class is touched, unless the user set it already.
 *
 * <p>Thread safety: thread-safe (the holder idiom initialises the engine once).
 */
final class TorchRuntime {
    /** The libtorch version this adapter is built and tested against. */
    static final String LIBTORCH_VERSION = "2.7.1";
    /** DJL's version. */
    static final String DJL_VERSION = "0.36.0";

    private TorchRuntime() {
    }

    /** @return the started PyTorch engine */
    static Engine engine() throws ModelLoadException {
        Holder holder = Holder.INSTANCE;
        if (holder.failure != null) {
            throw new ModelLoadException(holder.failure, holder.cause);
        }
        return holder.engine;
    }

    /** The outcome of starting the engine, decided once. */
    private static final class Holder {
        static final Holder INSTANCE = new Holder();

        final Engine engine;
        final String failure;
        final Throwable cause;

        private Holder() {
            if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
                System.setProperty("ai.djl.offline", "true");
            }
            Engine started = null;
            String problem = null;
            Throwable error = null;
            String platform = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
            try {
                String libraryPath = System.getenv("PYTORCH_LIBRARY_PATH");
                if ((libraryPath == null || libraryPath.isBlank()) && Platform.detectPlatform("pytorch").isPlaceholder()) {
                    problem = "no PyTorch natives for " + platform + " on the class path: the adapter needs the jar "
                            + "ai.djl.pytorch:pytorch-native-cpu:" + LIBTORCH_VERSION + " of this platform (the "
                            + "distribution ships linux-x86_64), or PYTORCH_LIBRARY_PATH naming a libtorch "
                            + LIBTORCH_VERSION + " folder; they are never downloaded";
                } else {
                    started = Engine.getEngine("PyTorch");
                }
            } catch (RuntimeException | LinkageError e) {
                problem = "PyTorch's natives (libtorch " + LIBTORCH_VERSION + " through DJL " + DJL_VERSION
                        + ") cannot be started on " + platform + ": " + e.getMessage()
                        + (e.getCause() != null ? " (" + e.getCause() + ")" : "")
                        + "; they are taken from the pytorch-native-cpu jar, never downloaded";
                error = e;
            }
            engine = started;
            failure = problem;
            cause = error;
        }
    }
}
