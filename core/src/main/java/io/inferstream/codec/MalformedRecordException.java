package io.inferstream.codec;

import io.inferstream.model.InvalidInputException;

/**
 * A record value that cannot be parsed in the configured codec at all: not JSON, truncated, the wrong byte
 * length for float32. Reported with dead-letter stage {@code decode}, as opposed to values that parse but do
 * not fit the model (stage {@code validate}).
 *
 * <p>Thread safety: immutable once thrown, like any exception.
 */
public class MalformedRecordException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong with the value as a whole, for a person */
    public MalformedRecordException(String message) {
        super(message);
    }

    /**
     * A value that cannot be parsed because of one field, e.g. a JSON field named twice.
     *
     * @param field the offending field
     * @param message what is wrong with it, for a person
     */
    public MalformedRecordException(String field, String message) {
        super(field, message);
    }
}
