package io.inferstream.deploy.signing;

/**
 * A model version whose signature is missing, malformed, made by a key that is not trusted, or does not match the
 * files: the message says which, in words an operator can act on.
 *
 * <p>Thread safety: immutable.
 */
public final class UntrustedModelException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param reason why the version is not trusted */
    public UntrustedModelException(String reason) {
        super(reason);
    }
}
