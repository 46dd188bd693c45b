package io.inferstream.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body without a thread waiting for it, under a byte cap and a deadline: a body whose
 * {@code Content-Length} is over the cap is refused (413) before a byte of it is read, a chunked one as soon as it
 * passes the cap, so no more than the cap is ever buffered; a body that has not arrived by the deadline is refused
 * with 408, and a malformed one (bad chunked encoding) with 400.
 *
 * <p>Thread safety: stateless; each read is confined to the request it reads.
 */
public final class RequestBodies {
    private RequestBodies() {
    }

    /**
     * @return completes with the whole body, or exceptionally with an {@link HttpStatusException}
     */
    public static CompletableFuture<byte[]> read(Request request, long maxBytes, Duration timeout) {
        long declared = request.getLength();
        if (declared > maxBytes) {
            return CompletableFuture.failedFuture(tooLarge(maxBytes));
        }
        Reader reader = new Reader(request, maxBytes, declared);
        reader.run();
        return reader.result.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(e -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (cause instanceof TimeoutException) {
                return CompletableFuture.failedFuture(new HttpStatusException(408, "the request body did not arrive "
                        + "within " + timeout.toMillis() + " ms"));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    private static HttpStatusException tooLarge(long maxBytes) {
        return new HttpStatusException(413, "the request body is larger than the limit of " + maxBytes + " bytes");
    }

    /** Reads the chunks there are, then asks to be called again when more arrive. */
    private static final class Reader implements Runnable {
        private final Request request;
        private final long maxBytes;
        private final ByteArrayOutputStream body;
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private long total;

        Reader(Request request, long maxBytes, long declared) {
            this.request = request;
            this.maxBytes = maxBytes;
            this.body = new ByteArrayOutputStream((int) Math.max(32, Math.min(declared, 1 << 20)));
        }

        @Override
        public void run() {
            while (!result.isDone()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    result.completeExceptionally(unreadable(chunk.getFailure()));
                    return;
                }
                try {
                    ByteBuffer bytes = chunk.getByteBuffer();
                    total += bytes.remaining();
                    if (total > maxBytes) {
                        result.completeExceptionally(tooLarge(maxBytes));
                        return;
                    }
                    if (bytes.hasArray()) {
                        body.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
                    } else {
                        byte[] copy = new byte[bytes.remaining()];
                        bytes.get(copy);
                        body.write(copy, 0, copy.length);
                    }
                    if (chunk.isLast()) {
                        result.complete(body.toByteArray());
                        return;
                    }
                } finally {
                    chunk.release();
                }
            }
        }

        private static HttpStatusException unreadable(Throwable failure) {
            if (failure instanceof HttpException) {
                HttpException h = (HttpException) failure;
                return new HttpStatusException(h.getCode() >= 400 ? h.getCode() : 400,
                        "the request body cannot be read: " + h.getReason());
            }
            return new HttpStatusException(400, "the request body cannot be read: " + failure.getMessage());
        }
    }
}
