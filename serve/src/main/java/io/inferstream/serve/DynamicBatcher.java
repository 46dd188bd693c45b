package io.inferstream.serve;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges concurrent requests for one model into one {@code predict} call, as Triton's and TF Serving's batchers do:
 * the first waiting request opens a batch, which takes further requests for the same version until it holds
 * {@code maxBatchSize} records or {@code maxQueueDelay} has passed since it opened; then the model scores it in one
 * call and each request gets its own slice of the predictions. A request larger than the maximum is scored alone.
 *
 * <p>A record the model rejects ({@link InvalidInputException} with its index) fails only the request it came from:
 * that request is answered with the error and the others are scored again without it. When the model cannot say which
 * record it rejects, each request of the batch is scored alone, so one bad request still never fails another. A
 * model-wide failure fails every request of the batch.
 *
 * <p>Thread safety: thread-safe; {@link #submit} may be called from any thread. One thread of its own calls the model,
 * so a model that is not thread-safe is never called concurrently.
 */
final class DynamicBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    /** Scores one merged batch for one version (null: the version the deployment routes to). */
    interface Scorer {
        Scored predict(String version, List<Features> rows) throws InferenceException;
    }

    /** Predictions and the version that made them. */
    static final class Scored {
        final List<Prediction> predictions;
        final String version;

        Scored(List<Prediction> predictions, String version) {
            this.predictions = predictions;
            this.version = version;
        }
    }

    private static final class Pending {
        final String version;
        final List<Features> rows;
        final CompletableFuture<Scored> result = new CompletableFuture<>();

        Pending(String version, List<Features> rows) {
            this.version = version;
            this.rows = rows;
        }
    }

    private final Scorer scorer;
    private final int maxBatchSize;
    private final long maxQueueDelayNanos;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    private Pending carried;
    private long modelCalls;
    private long requests;
    private long records;
    private long mergedCalls;
    private int largestBatch;

    DynamicBatcher(String modelName, Scorer scorer, int maxBatchSize, Duration maxQueueDelay) {
        if (maxBatchSize < 1 || maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("max batch size must be at least 1 and max queue delay not negative");
        }
        this.scorer = scorer;
        this.maxBatchSize = maxBatchSize;
        this.maxQueueDelayNanos = maxQueueDelay.toNanos();
        this.thread = new Thread(this::loop, "inferstream-serve-batcher-" + modelName);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * @param version the version asked for, or null for the deployment's choice
     * @param rows the request's records, not empty
     * @return completes with this request's predictions, or exceptionally with why it failed
     */
    CompletableFuture<Scored> submit(String version, List<Features> rows) {
        Pending p = new Pending(version, rows);
        if (closed) {
            p.result.completeExceptionally(new ServeError(ServeError.Kind.UNAVAILABLE, "the server is closing"));
            return p.result;
        }
        queue.add(p);
        if (closed && queue.remove(p)) {
            p.result.completeExceptionally(new ServeError(ServeError.Kind.UNAVAILABLE, "the server is closing"));
        }
        return p.result;
    }

    synchronized BatchStats stats() {
        return new BatchStats(modelCalls, requests, records, mergedCalls, largestBatch);
    }

    private void loop() {
        while (!closed) {
            try {
                Pending first = carried != null ? carried : queue.poll(100, TimeUnit.MILLISECONDS);
                carried = null;
                if (first == null) {
                    continue;
                }
                List<Pending> batch = new ArrayList<>();
                batch.add(first);
                int size = first.rows.size();
                long deadline = System.nanoTime() + maxQueueDelayNanos;
                while (size < maxBatchSize) {
                    long wait = deadline - System.nanoTime();
                    Pending next = wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    if (!Objects.equals(next.version, first.version) || size + next.rows.size() > maxBatchSize) {
                        carried = next; // opens the next batch
                        break;
                    }
                    batch.add(next);
                    size += next.rows.size();
                }
                score(batch);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException | Error e) {
                // An Error here (an OutOfMemoryError from one huge batch, a StackOverflowError in a model) must not
                // end the only thread that calls the model: every later request would wait forever.
                LOG.error("The batcher went on after an unexpected error", e);
            }
        }
        failAll(carried);
        for (Pending p; (p = queue.poll()) != null; ) {
            failAll(p);
        }
    }

    private static void failAll(Pending p) {
        if (p != null) {
            p.result.completeExceptionally(new ServeError(ServeError.Kind.UNAVAILABLE, "the server is closing"));
        }
    }

    /** Scores requests together; a rejected record takes only its own request out of the batch. */
    private void score(List<Pending> batch) {
        List<Pending> live = new ArrayList<>(batch);
        while (!live.isEmpty()) {
            List<Features> rows = new ArrayList<>();
            live.forEach(p -> rows.addAll(p.rows));
            Scored scored;
            try {
                scored = scorer.predict(live.get(0).version, rows);
                if (scored.predictions.size() != rows.size()) {
                    throw new IllegalStateException("the model returned " + scored.predictions.size()
                            + " predictions for " + rows.size() + " records");
                }
            } catch (InvalidInputException e) {
                int index = e.recordIndex();
                if (index >= 0 && index < rows.size()) {
                    int offset = 0;
                    for (Pending p : live) {
                        if (index < offset + p.rows.size()) {
                            p.result.completeExceptionally(new ServeError(ServeError.Kind.BAD_INPUT,
                                    "record " + (index - offset) + ": " + e.getMessage()));
                            live.remove(p);
                            break;
                        }
                        offset += p.rows.size();
                    }
                    continue;
                }
                if (live.size() == 1) {
                    live.get(0).result.completeExceptionally(e);
                    return;
                }
                // The model did not say which record: score each request alone so only the bad one fails.
                live.forEach(p -> score(List.of(p)));
                return;
            } catch (Exception | Error e) {
                live.forEach(p -> p.result.completeExceptionally(e));
                if (e instanceof Error) {
                    throw (Error) e; // the loop logs it and goes on
                }
                return;
            }
            count(live, rows.size());
            int offset = 0;
            for (Pending p : live) {
                p.result.complete(new Scored(scored.predictions.subList(offset, offset + p.rows.size()),
                        scored.version));
                offset += p.rows.size();
            }
            return;
        }
    }

    private synchronized void count(List<Pending> scored, int size) {
        modelCalls++;
        requests += scored.size();
        records += size;
        mergedCalls += scored.size() > 1 ? 1 : 0;
        largestBatch = Math.max(largestBatch, size);
    }

    /** Stops the batcher: the batch being scored finishes, requests still waiting fail as unavailable. Idempotent. */
    @Override
    public void close() {
        closed = true;
        // No interrupt: it could land inside a native predict call; the loop sees the flag within its poll timeout.
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
