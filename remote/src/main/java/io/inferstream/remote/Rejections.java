package io.inferstream.remote;

import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelFailureException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a server's refusal means for the batch, the same for every protocol:
 * <ul>
 *   <li>a refusal of the input (HTTP 400 or 422, gRPC INVALID_ARGUMENT) is an {@link InvalidInputException}: when the
 *       server's message names a record of the batch ("record 3", "instance 3", "row 3", "example 3", "index 3"),
 *       that record is dead-lettered with the server's message and the rest is sent again; when it does not, the
 *       engine scores the batch's records one request at a time, and dead-letters those the server refuses alone
 *       (a batch of one that is refused can only be that record's fault);</li>
 *   <li>any other refusal (404 unknown model, 500 internal error, 501, 401/403, ...) is about the whole request, and
 *       waiting will not cure it: a {@link ModelFailureException}, which stops the engine with nothing committed past
 *       the last good batch.</li>
 * </ul>
 *
 * <p>Thread safety: stateless.
 */
final class Rejections {
    private static final Pattern RECORD = Pattern.compile(
            "\\b(?:record|instance|row|example|index)\\s*(?:#|no\\.?\\s*)?\\[?(\\d+)\\]?", Pattern.CASE_INSENSITIVE);

    private Rejections() {
    }

    /**
     * @param input true if the server refused the input (400/422, INVALID_ARGUMENT)
     * @param batchSize records in the refused request
     */
    static InferenceException of(String endpoint, boolean input, String what, String serverMessage, int batchSize) {
        String message = endpoint + " refused the request (" + what + "): " + serverMessage;
        if (!input) {
            return new ModelFailureException(message);
        }
        return new InvalidInputException(recordIndex(serverMessage, batchSize), null, "the model server refused it ("
                + what + "): " + serverMessage, null);
    }

    /** @return the record the message names, if it is one of the batch's, else UNKNOWN_RECORD. */
    static int recordIndex(String serverMessage, int batchSize) {
        if (batchSize == 1) {
            return 0;
        }
        // Every mention must name the same record ("record 1: field 'x': record 1 is empty" is one record; "record 1
        // and record 2" is no single one).
        Matcher m = RECORD.matcher(serverMessage == null ? "" : serverMessage);
        int found = InvalidInputException.UNKNOWN_RECORD;
        while (m.find()) {
            int i;
            try {
                i = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                return InvalidInputException.UNKNOWN_RECORD; // a number too long to be an index
            }
            if (i >= batchSize || found >= 0 && i != found) {
                return InvalidInputException.UNKNOWN_RECORD;
            }
            found = i;
        }
        return found;
    }
}
