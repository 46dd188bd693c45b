package io.inferstream.http;

import java.util.Objects;
import java.util.Set;

/**
 * Who may talk to an endpoint: TLS (or plain HTTP), bearer tokens (or none), and the paths left open without a token
 * so that probes keep working (health endpoints, typically). {@link #none()}, plain HTTP with no tokens, is the
 * default — safe only on 127.0.0.1.
 *
 * <p>Thread safety: immutable.
 */
public final class HttpSecurity {
    private static final HttpSecurity NONE = new HttpSecurity(null, null, Set.of());
    private final TlsSettings tls;
    private final BearerTokens tokens;
    private final Set<String> openPaths;

    private HttpSecurity(TlsSettings tls, BearerTokens tokens, Set<String> openPaths) {
        this.tls = tls;
        this.tokens = tokens;
        this.openPaths = Set.copyOf(openPaths);
    }

    /** @return plain HTTP, no tokens */
    public static HttpSecurity none() {
        return NONE;
    }

    /** @return these settings with TLS */
    public HttpSecurity withTls(TlsSettings settings) {
        return new HttpSecurity(Objects.requireNonNull(settings, "settings"), tokens, openPaths);
    }

    /** @return these settings with bearer tokens required everywhere but {@code openPaths} (exact paths) */
    public HttpSecurity withTokens(BearerTokens accepted, Set<String> openPaths) {
        return new HttpSecurity(tls, Objects.requireNonNull(accepted, "accepted"), openPaths);
    }

    /** @return the TLS settings, or null for plain HTTP */
    public TlsSettings tls() {
        return tls;
    }

    /** @return the accepted tokens, or null when none is required */
    public BearerTokens tokens() {
        return tokens;
    }

    /** @return whether a request to this path with this {@code Authorization} header value may go on */
    public boolean admits(String path, String authorization) {
        return tokens == null || openPaths.contains(path) || tokens.accepts(authorization);
    }
}
