package io.inferstream.lightgbm;

import com.microsoft.ml.lightgbm.SWIGTYPE_p_double;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_int;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_long_long;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_p_void;
import com.microsoft.ml.lightgbm.SWIGTYPE_p_void;
import com.microsoft.ml.lightgbm.lightgbmlib;
import io.github.metarank.lightgbm4j.LGBMBooster;
import java.io.IOException;

/**
 * A LightGBM booster through LightGBM's C API (lightgbm4j's SWIG binding), for the three calls the adapter needs:
 * load from the model's text, predict a dense batch, free.
 *
 * <p>Why not lightgbm4j's {@code LGBMBooster.predictForMat}: in lightgbm4j 4.3.0-1 it sizes the output buffer for two
 * values per row, so a multiclass model of three classes or more writes past it (measured here: heap corruption,
 * the JVM aborts). Here the buffer is sized by LightGBM itself ({@code LGBM_BoosterCalcNumPredict}).
 *
 * <p>Thread safety: {@link #predict} is thread-safe (LightGBM predicts under a shared lock with a predictor per
 * call; the buffers belong to the call). {@link #free} must not run concurrently with {@link #predict}.
 */
final class NativeBooster {
    private static final int PREDICT_NORMAL = 0;
    private static final int ALL_ITERATIONS = -1;

    private final SWIGTYPE_p_p_void handleHolder;
    private final SWIGTYPE_p_void handle;
    private final int numClasses;

    private NativeBooster(SWIGTYPE_p_p_void handleHolder, int numClasses) {
        this.handleHolder = handleHolder;
        this.handle = lightgbmlib.voidpp_value(handleHolder);
        this.numClasses = numClasses;
    }

    /**
     * @throws IOException LightGBM's reason, for a model it cannot read
     * @throws LinkageError if the native library cannot be loaded on this platform
     */
    static NativeBooster load(String modelText) throws IOException {
        try {
            LGBMBooster.loadNative(); // lightgbm4j extracts and loads its two libraries once per JVM
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("cannot extract LightGBM's native libraries from lightgbm4j: " + e);
        }
        SWIGTYPE_p_int iterations = lightgbmlib.new_intp();
        SWIGTYPE_p_p_void holder = lightgbmlib.new_voidpp();
        try {
            check(lightgbmlib.LGBM_BoosterLoadModelFromString(modelText, iterations, holder));
        } catch (IOException e) {
            lightgbmlib.delete_voidpp(holder);
            throw e;
        } finally {
            lightgbmlib.delete_intp(iterations);
        }
        SWIGTYPE_p_int classes = lightgbmlib.new_intp();
        try {
            check(lightgbmlib.LGBM_BoosterGetNumClasses(lightgbmlib.voidpp_value(holder), classes));
            return new NativeBooster(holder, lightgbmlib.intp_value(classes));
        } catch (IOException e) {
            lightgbmlib.LGBM_BoosterFree(lightgbmlib.voidpp_value(holder));
            lightgbmlib.delete_voidpp(holder);
            throw e;
        } finally {
            lightgbmlib.delete_intp(classes);
        }
    }

    int numClasses() {
        return numClasses;
    }

    /**
     * @param data {@code rows × cols} values, row-major, NaN for missing
     * @param parameters LightGBM prediction parameters, e.g. {@code num_threads=1}
     * @return LightGBM's normal predictions, row-major ({@code numClasses} per row)
     */
    double[] predict(double[] data, int rows, int cols, String parameters) throws IOException {
        SWIGTYPE_p_double input = lightgbmlib.new_doubleArray(data.length);
        SWIGTYPE_p_long_long length = lightgbmlib.new_int64_tp();
        SWIGTYPE_p_double output = null;
        try {
            for (int i = 0; i < data.length; i++) {
                lightgbmlib.doubleArray_setitem(input, i, data[i]);
            }
            check(lightgbmlib.LGBM_BoosterCalcNumPredict(handle, rows, PREDICT_NORMAL, 0, ALL_ITERATIONS, length));
            long expected = lightgbmlib.int64_tp_value(length);
            output = lightgbmlib.new_doubleArray(expected);
            check(lightgbmlib.LGBM_BoosterPredictForMat(handle, lightgbmlib.double_to_voidp_ptr(input),
                    lightgbmlib.C_API_DTYPE_FLOAT64, rows, cols, 1, PREDICT_NORMAL, 0, ALL_ITERATIONS, parameters,
                    length, output));
            int n = (int) lightgbmlib.int64_tp_value(length);
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                out[i] = lightgbmlib.doubleArray_getitem(output, i);
            }
            return out;
        } finally {
            lightgbmlib.delete_doubleArray(input);
            lightgbmlib.delete_int64_tp(length);
            if (output != null) {
                lightgbmlib.delete_doubleArray(output);
            }
        }
    }

    /** Frees the native booster; call once. */
    void free() {
        lightgbmlib.LGBM_BoosterFree(handle);
        lightgbmlib.delete_voidpp(handleHolder);
    }

    private static void check(int returnCode) throws IOException {
        if (returnCode != 0) {
            throw new IOException(lightgbmlib.LGBM_GetLastError());
        }
    }
}
