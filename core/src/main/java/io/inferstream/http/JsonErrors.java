package io.inferstream.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The one place an error body is written: {@code {"error": "..."}} (the Open Inference Protocol's error form), both
 * for the handlers' own errors and, installed as the server's error handler, for those Jetty raises itself (a head too
 * large, a malformed chunked body, an unparseable request line) — which would otherwise be HTML pages.
 *
 * <p>Thread safety: stateless and thread-safe.
 */
public final class JsonErrors implements Request.Handler {
    private static final String JSON = "application/json";

    /** @return the error body for a message */
    public static byte[] body(String message) {
        return ("{\"error\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(message)) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Answers a request with a status and an error body; completes the callback. An error often comes before the
     * request's body is read (a 401, a 413, an unknown model): Jetty then closes the connection after answering, so
     * the answer says {@code Connection: close} and a client does not reuse a socket that is about to be closed
     * under its next request.
     */
    public static void send(Request request, Response response, Callback callback, int status, String message) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
        if (!request.consumeAvailable()) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        response.write(true, ByteBuffer.wrap(body(message)), callback);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Object status = request.getAttribute(ErrorHandler.ERROR_STATUS);
        int code = status instanceof Integer ? (Integer) status : response.getStatus();
        if (code < 400) {
            code = 500;
        }
        Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
        String reason = HttpStatus.getMessage(code);
        send(request, response, callback, code, message == null || message.toString().isBlank() || message.equals(reason)
                ? reason : reason + ": " + message);
        return true;
    }
}
