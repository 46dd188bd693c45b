package io.inferstream.model;

/**
 * One record cannot be scored: a missing field, a wrong type or shape, a NaN where the model takes none, an
 * unknown category, and so on. The record goes to the dead-letter topic with this message; the rest of its
 * batch goes on.
 *
 * <p>Thrown from {@link Model#predict}, it should carry the index of the offending record within the batch
 * ({@link #recordIndex()}); the engine sets that record aside and scores the rest again. Without an index the
 * engine scores the batch's records one at a time to find the bad ones.
 */
public class InvalidInputException extends InferenceException {
    private static final long serialVersionUID = 1L;
    /** Index used when the offending record is not known. */
    public static final int UNKNOWN_RECORD = -1;

    private final int recordIndex;
    private final String field;

    /** A record-level error not tied to a field or a batch position (e.g. from a decoder). */
    public InvalidInputException(String message) {
        this(UNKNOWN_RECORD, null, message, null);
    }

    /** An error in one field of a record that is not part of a batch (e.g. from a decoder). */
    public InvalidInputException(String field, String message) {
        this(UNKNOWN_RECORD, field, message, null);
    }

    /** An error in one field of row {@code recordIndex} of a batch passed to predict. */
    public InvalidInputException(int recordIndex, String field, String message) {
        this(recordIndex, field, message, null);
    }

    /**
     * @param recordIndex position of the bad record in the batch passed to predict, or {@link #UNKNOWN_RECORD}
     * @param field the offending field, or null
     * @param message what is wrong, for a person
     * @param cause the framework's exception, or null
     */
    public InvalidInputException(int recordIndex, String field, String message, Throwable cause) {
        super(field == null ? message : "field '" + field + "': " + message, cause);
        this.recordIndex = recordIndex;
        this.field = field;
    }

    /** @return the index of the bad record in the batch, or {@link #UNKNOWN_RECORD}. */
    public int recordIndex() {
        return recordIndex;
    }

    /** @return the offending field, or null. */
    public String field() {
        return field;
    }
}
