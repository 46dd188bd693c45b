package io.inferstream.serve;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.InvalidInputException;
import io.inferstream.scoring.BadRecordIsolation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
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
 * <p>A bad record fails only the request it came from, by the engine's own rule ({@link BadRecordIsolation}, each
 * request a group): a record the model rejects and names ({@link InvalidInputException} with its index) takes its
 * request out and the others are scored again without it; when the model cannot say which record it rejects, or fails
 * in an unexpected way, each request of the batch is scored alone, so one bad request never fails another. A
 * model-wide failure (every request failing alone, {@code ModelFailureException}, a model that cannot answer now) fails
 * every request of the batch. A merged batch is scored on one version, picked once for it.
 *
 * <p>Thread safety: thread-safe; {@link #submit} may be called from any thread. One thread of its own calls the model,
 * so a model that is not thread-safe is never called concurrently.
 */
final class DynamicBatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    /** Picks what scores a merged batch. */
    interface Scorer {
        /**
         * @param version the version asked for, or null for the one the deployment routes to
         * @return that version, held until the lease is closed
         * @throws ServeError if nothing serves, or that version is not served
         */
        Lease lease(String version);
    }

    /** One version of the model, held for one merged batch (its deployment snapshot is released on close). */
    interface Lease extends AutoCloseable {
        /** @return the version's name, which travels with its predictions */
        String version();

        /** @return one prediction per row, in order */
        List<Prediction> predict(List<Features> rows) throws InferenceException;

        @Override
        void close();
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

    private final String modelName;
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
        this.modelName = modelName;
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
        List<List<Features>> groups = new ArrayList<>(batch.size());
        batch.forEach(p -> groups.add(p.rows));
        String version;
        List<BadRecordIsolation.GroupOutcome> outcomes;
        try (Lease lease = scorer.lease(batch.get(0).version)) {
            version = lease.version();
            outcomes = BadRecordIsolation.score(groups, lease::predict, modelName);
        } catch (Exception | Error e) {
            batch.forEach(p -> p.result.completeExceptionally(e));
            if (e instanceof Error) {
                throw (Error) e; // the loop logs it and goes on
            }
            return;
        }
        count(outcomes);
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            BadRecordIsolation.GroupOutcome o = outcomes.get(i);
            if (o.ok()) {
                p.result.complete(new Scored(o.predictions(), version));
            } else if (o.rejectedRecord() >= 0) {
                p.result.completeExceptionally(new ServeError(ServeError.Kind.BAD_INPUT,
                        "record " + o.rejectedRecord() + ": " + o.rejection().getMessage()));
            } else {
                p.result.completeExceptionally(o.rejection());
            }
        }
    }

    /** Counts the model calls that answered, from the outcomes they gave (requests a call scored share its answer). */
    private synchronized void count(List<BadRecordIsolation.GroupOutcome> outcomes) {
        Set<BadRecordIsolation.Answer> answers = Collections.newSetFromMap(new IdentityHashMap<>());
        for (BadRecordIsolation.GroupOutcome o : outcomes) {
            if (o.ok() && answers.add(o.answer())) {
                BadRecordIsolation.Answer a = o.answer();
                modelCalls++;
                requests += a.groups();
                records += a.rows();
                mergedCalls += a.groups() > 1 ? 1 : 0;
                largestBatch = Math.max(largestBatch, a.rows());
            }
        }
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
