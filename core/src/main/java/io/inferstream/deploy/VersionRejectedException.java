package io.inferstream.deploy;

/**
 * A version cannot take traffic: its defect, load failure, incompatibility or warm-up failure is the message. The
 * serving versions keep serving; the version is tried again only when its content changes.
 */
public final class VersionRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    public VersionRejectedException(String message) {
        super(message);
    }

    public VersionRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
