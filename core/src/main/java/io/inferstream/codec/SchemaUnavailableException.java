package io.inferstream.codec;

/**
 * A record's schema cannot be fetched now (the schema registry unreachable, answering 5xx or timing out): nothing is
 * known to be wrong with the record. Unchecked, because {@link RecordDecoder#decode} declares only what a record can
 * be guilty of; the scoring pipeline turns it into a retriable failure of the whole batch
 * ({@link io.inferstream.model.RetriableInferenceException}), so the engine holds the batch and tries it again with
 * backoff instead of dead-lettering good records.
 *
 * <p>Thread safety: immutable once thrown, like any exception.
 */
public class SchemaUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what could not be reached, for a person */
    public SchemaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
