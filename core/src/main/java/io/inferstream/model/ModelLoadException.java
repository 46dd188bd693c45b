package io.inferstream.model;

/**
 * A model could not be loaded: unreadable, not of the expected format, or of a kind the adapter does not
 * support. The message names the model and the problem. The engine fails fast on it at start-up (and will
 * keep the running version when a replacement fails to load).
 */
public class ModelLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
