package io.inferstream.http;

/**
 * A request refused by the HTTP layer with a status of its own (413 too large, 408 too slow, 400 unreadable): the
 * handler answers it with that status and the message in the JSON error body.
 *
 * <p>Thread safety: immutable.
 */
public final class HttpStatusException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public HttpStatusException(int status, String message) {
        super(message, null, false, false); // an expected refusal: no stack trace to fill or log
        this.status = status;
    }

    /** @return the HTTP status to answer with */
    public int status() {
        return status;
    }
}
