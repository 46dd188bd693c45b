package io.inferstream.codec;

import io.inferstream.data.Features;
import io.inferstream.model.InvalidInputException;

/**
 * Turns one Kafka record value into an input row for a particular model.
 *
 * <p>Decoders are made for a model's input signature ({@link RecordCodecs#decoder}) so they can parse straight
 * into primitive arrays of the declared types, without an intermediate tree and without boxing.
 *
 * <p>Errors: a value that cannot be parsed at all throws {@link MalformedRecordException}; a parsed value that
 * does not fit the model (wrong type, wrong length, NaN) throws {@link InvalidInputException} naming the field.
 * The engine sends either to the dead-letter topic, with stage {@code decode} or {@code validate}.
 *
 * <p>Thread safety: implementations in this package are stateless and thread-safe.
 */
@FunctionalInterface
public interface RecordDecoder {

    /**
     * @param value the record value; never null (the engine rejects null values before decoding)
     * @return the row; fields absent from the record are missing from it
     */
    Features decode(byte[] value) throws InvalidInputException;
}
