package io.inferstream.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * One HTTP exchange with a model server over the JDK's {@link HttpClient}, with the status codes sorted into what the
 * caller must do: a 2xx body is returned; 429, 502, 503 and 504, and every I/O failure (refused, reset, timed out, a
 * body cut short) are a {@link TransientFailure}; any other status is an {@link HttpRejection} carrying the server's
 * own message (the {@code "error"} member both the Open Inference Protocol and TF Serving put in their error bodies).
 *
 * <p>HTTP/1.1 on purpose: the JDK client would otherwise try an h2c upgrade on every new plain-text connection, which
 * most model servers ignore and some proxies reject.
 *
 * <p>Thread safety: thread-safe; the underlying client pools connections across threads.
 */
final class HttpCalls implements AutoCloseable {
    private static final Set<Integer> TRANSIENT = Set.of(429, 502, 503, 504);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_MESSAGE = 500;

    private final HttpClient client;
    private final Duration timeout;

    HttpCalls(RemoteSettings settings) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        this.timeout = settings.timeout();
    }

    /** A status the server answered that waiting will not change. */
    static final class HttpRejection extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String serverMessage;

        HttpRejection(URI uri, int status, String serverMessage) {
            super("HTTP " + status + " from " + uri + ": " + serverMessage);
            this.status = status;
            this.serverMessage = serverMessage;
        }
    }

    byte[] get(URI uri) throws TransientFailure, HttpRejection {
        return exchange(HttpRequest.newBuilder(uri).timeout(timeout).GET().header("Accept", "application/json").build());
    }

    byte[] postJson(URI uri, byte[] body) throws TransientFailure, HttpRejection {
        return exchange(HttpRequest.newBuilder(uri).timeout(timeout).header("Content-Type", "application/json")
                .header("Accept", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    private byte[] exchange(HttpRequest request) throws TransientFailure, HttpRejection {
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new TransientFailure(request.method() + " " + request.uri() + " failed: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientFailure("interrupted during " + request.method() + " " + request.uri(), e);
        }
        int status = response.statusCode();
        if (status / 100 == 2) {
            return response.body();
        }
        String message = serverMessage(response.body());
        if (TRANSIENT.contains(status)) {
            throw new TransientFailure("HTTP " + status + " from " + request.uri() + (message.isEmpty() ? "" : ": "
                    + message), null, retryAfter(response).orElse(null));
        }
        throw new HttpRejection(request.uri(), status, message);
    }

    /** The JDK's messages for timeouts and resets are terse or null: name the exception too. */
    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }

    /** Retry-After in seconds (the HTTP-date form is rare from model servers and is ignored). */
    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").flatMap(v -> {
            try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim()))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** @return the {@code "error"} member of a JSON error body, else the body's text, shortened. */
    static String serverMessage(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.hasNonNull("error")) {
                return shorten(node.get("error").asText());
            }
        } catch (IOException e) {
            // not JSON: the text itself says what happened
        }
        return shorten(new String(body, StandardCharsets.UTF_8).strip());
    }

    private static String shorten(String s) {
        return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
    }

    @Override
    public void close() {
        // Java 17's HttpClient has no close(); its threads end once the client is unreachable.
    }
}
