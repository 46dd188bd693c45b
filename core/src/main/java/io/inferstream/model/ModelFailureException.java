package io.inferstream.model;

/**
 * The model itself failed (a native runtime error, out of memory, a closed session): no record can be scored.
 * The engine stops consuming and commits nothing past the last good batch, so no record is lost.
 */
public class ModelFailureException extends InferenceException {
    private static final long serialVersionUID = 1L;

    public ModelFailureException(String message) {
        super(message);
    }

    public ModelFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
