package io.inferstream.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bearer tokens a server accepts ({@code Authorization: Bearer <token>}), read from a file: one token a line,
 * blank lines and lines starting with {@code #} ignored. A presented token is compared with every accepted one in
 * constant time (as SHA-256 digests, so neither the content nor the length of an accepted token leaks through timing),
 * and a refusal says nothing about why.
 *
 * <p>Thread safety: immutable.
 */
public final class BearerTokens {
    private static final String BEARER = "Bearer ";
    private final List<byte[]> digests;

    private BearerTokens(List<byte[]> digests) {
        if (digests.isEmpty()) {
            throw new IllegalArgumentException("no token given: a token file must hold at least one");
        }
        this.digests = List.copyOf(digests);
    }

    /**
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException if it holds no token, or a token shorter than 16 characters
     */
    public static BearerTokens fromFile(Path file) {
        try {
            return of(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token file " + file + ": " + e.getMessage(), e);
        }
    }

    /** @param lines tokens, blank lines and {@code #} comments */
    public static BearerTokens of(List<String> lines) {
        List<byte[]> digests = new ArrayList<>();
        for (String line : lines) {
            String token = line.strip();
            if (token.isEmpty() || token.startsWith("#")) {
                continue;
            }
            if (token.length() < 16) {
                throw new IllegalArgumentException("a token must have at least 16 characters (one has "
                        + token.length() + "): a short token can be guessed");
            }
            digests.add(sha256(token));
        }
        return new BearerTokens(digests);
    }

    /** @return whether an {@code Authorization} header value (null if absent) carries an accepted token */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] presented = sha256(authorization.substring(BEARER.length()).strip());
        boolean accepted = false;
        for (byte[] d : digests) {
            accepted |= MessageDigest.isEqual(d, presented); // no early exit: every token takes the same time
        }
        return accepted;
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return digests.size() + " bearer token(s)";
    }
}
