package io.inferstream.serve;

import io.grpc.Status;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.RetriableInferenceException;
import io.inferstream.protocol.ProtocolException;

/**
 * A failed call as both front ends report it: an HTTP status with {@code {"error": message}}, or a gRPC status.
 * One mapping for REST and gRPC, so the two cannot disagree on what a failure means.
 *
 * <p>Thread safety: immutable.
 */
class ServeError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, and how each protocol says it. */
    enum Kind {
        /** The request does not fit the protocol or the model: the client must change it. */
        BAD_INPUT(400, Status.Code.INVALID_ARGUMENT),
        /** No such model, version or endpoint. */
        NOT_FOUND(404, Status.Code.NOT_FOUND),
        /** The model cannot answer now (not loaded, closing, or a transient failure): try again later. */
        UNAVAILABLE(503, Status.Code.UNAVAILABLE),
        /** The model failed. */
        INTERNAL(500, Status.Code.INTERNAL);

        final int http;
        final Status.Code grpc;

        Kind(int http, Status.Code grpc) {
            this.http = http;
            this.grpc = grpc;
        }
    }

    private final Kind kind;

    ServeError(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }

    /** @return the error a failure of a call turns into. */
    static ServeError of(Throwable t) {
        if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ServeError) {
            return (ServeError) t;
        }
        if (t instanceof InvalidInputException || t instanceof ProtocolException) {
            return new ServeError(Kind.BAD_INPUT, t.getMessage());
        }
        if (t instanceof RetriableInferenceException) {
            return new ServeError(Kind.UNAVAILABLE, "the model cannot answer now: " + t.getMessage());
        }
        return new ServeError(Kind.INTERNAL, "the model failed: " + t);
    }
}
