package io.inferstream.protocol;

/**
 * A request or response body does not follow the protocol: malformed JSON, a missing member, a datatype that does
 * not exist or is not supported, a shape that does not match the data. A server answers it with HTTP 400 (gRPC
 * {@code INVALID_ARGUMENT}); a client treats it as a failure of the whole call. When the problem lies in one named
 * tensor, {@link #tensor()} names it and the message starts with it.
 *
 * <p>Thread safety: immutable.
 */
public class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String tensor;

    public ProtocolException(String message) {
        this(null, message, null);
    }

    /**
     * @param tensor the offending input or output, or null
     * @param message what is wrong, for a person
     * @param cause the parser's exception, or null
     */
    public ProtocolException(String tensor, String message, Throwable cause) {
        super(tensor == null ? message : "tensor '" + tensor + "': " + message, cause);
        this.tensor = tensor;
    }

    /** @return the input or output the problem is in, or null. */
    public String tensor() {
        return tensor;
    }
}
