package io.inferstream.remote;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.AbstractModel;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.RetriableInferenceException;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model on a model server: each {@link #predict} is one request carrying the whole batch, made through a
 * {@link Transport} with the client's safeguards around it.
 *
 * <ul>
 *   <li>At most {@code remote.max.in.flight} requests are open at once; a call that cannot get a slot within the
 *       request timeout is refused as retriable (the server is too slow for the load, not wrong).</li>
 *   <li>A transient failure is tried again up to {@code remote.retries} times, waiting {@code remote.retry.backoff.ms}
 *       doubled per attempt with "equal jitter" (a random point in the upper half of each step, so that workers do
 *       not retry in lockstep), and at least as long as an HTTP Retry-After asks when that fits in the timeout.</li>
 *   <li>A {@link CircuitBreaker} opens after {@code remote.breaker.failures} consecutive transient failures; while
 *       open, calls are refused at once, and the refusal tells the engine how long the breaker stays open.</li>
 *   <li>When the attempts are spent or the breaker is open, {@link RetriableInferenceException}: the engine pauses
 *       the partitions, holds the batch, and offers the same batch again after its own backoff. Nothing is
 *       dead-lettered for a transient failure and nothing is committed past it.</li>
 *   <li>A rejection of the input ({@link io.inferstream.model.InvalidInputException}) and a failure waiting will not
 *       cure ({@link ModelFailureException}) pass through unchanged; both prove the server is up, so they count as
 *       successes for the breaker.</li>
 * </ul>
 *
 * <p>Meters ({@link MeterBinder}): {@value #RETRIES} (attempts repeated after a transient failure),
 * {@value #REQUESTS} (attempts sent) and {@value #BREAKER_OPEN} (1 while the breaker is open), tagged with the model
 * and endpoint. The engine binds them to its own registry (through its wrappers: renaming, class labels); an
 * application hosting the model elsewhere binds them with {@link #bindTo}. The engine's own
 * {@code inferstream.model.retries} counts held batches.
 *
 * <p>Thread safety: thread-safe ({@link ModelInfo#threadSafe()} is true): the engine's workers share one instance,
 * so the in-flight bound and the breaker see the whole engine's traffic to the server.
 */
public final class RemoteModel extends AbstractModel implements MeterBinder {
    /** Counter: attempts repeated after a transient failure. */
    public static final String RETRIES = "inferstream.remote.retries";
    /** Counter: attempts sent to the server. */
    public static final String REQUESTS = "inferstream.remote.requests";
    /** Gauge: 1 while the circuit breaker is open, else 0. */
    public static final String BREAKER_OPEN = "inferstream.remote.breaker.open";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteModel.class);
    /** Cap on one in-call backoff step: longer waits are the engine's business, with its partitions paused. */
    private static final long MAX_STEP_MS = 2_000;

    private final Transport transport;
    private final RemoteSettings settings;
    private final CircuitBreaker breaker;
    private final Semaphore inFlight;
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    /**
     * @param transport the protocol client, owned (closed) by this model from now on
     * @param info the signature read from the server, with the name and version to report
     */
    public RemoteModel(Transport transport, ModelInfo info, RemoteSettings settings) {
        super(info.toBuilder().threadSafe(true).property("endpoint", transport.endpoint()).build());
        this.transport = transport;
        this.settings = settings;
        this.breaker = new CircuitBreaker(settings.breakerFailures(), settings.breakerOpen());
        this.inFlight = new Semaphore(settings.maxInFlight(), true);
    }

    @Override
    protected String description() {
        return "remote model " + info().name() + " at " + transport.endpoint();
    }

    @Override
    protected List<Prediction> score(List<Features> batch) throws InferenceException {
        boolean slot;
        try {
            slot = inFlight.tryAcquire(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetriableInferenceException("interrupted while waiting to call " + transport.endpoint(), e);
        }
        if (!slot) {
            throw new RetriableInferenceException(settings.maxInFlight() + " requests to " + transport.endpoint()
                    + " were still open after " + settings.timeout().toMillis() + " ms (remote.max.in.flight)", null);
        }
        try {
            return attempt(batch);
        } finally {
            inFlight.release();
        }
    }

    private List<Prediction> attempt(List<Features> batch) throws InferenceException {
        TransientFailure last = null;
        for (int attempt = 0; attempt <= settings.retries(); attempt++) {
            if (!breaker.tryAcquire()) {
                Duration open = breaker.remainingOpen();
                throw new RetriableInferenceException("circuit breaker open for " + transport.endpoint() + " after "
                        + settings.breakerFailures() + " consecutive failures"
                        + (last == null ? "" : "; last: " + last.getMessage()), last, open.isZero() ? null : open);
            }
            requests.incrementAndGet();
            try {
                List<Prediction> out = transport.infer(batch, info());
                breaker.onSuccess();
                if (out.size() != batch.size()) {
                    throw new ModelFailureException(transport.endpoint() + " answered " + out.size()
                            + " predictions for " + batch.size() + " records");
                }
                return out;
            } catch (TransientFailure f) {
                breaker.onFailure();
                last = f;
                if (attempt < settings.retries()) {
                    retries.incrementAndGet();
                    if (!pause(attempt, f)) {
                        break;
                    }
                }
            } catch (InferenceException e) {
                breaker.onSuccess();
                throw e;
            } catch (RuntimeException e) {
                breaker.onAbandoned();
                throw new ModelFailureException(description() + " failed: " + e, e);
            }
        }
        LOG.debug("{} did not answer: {}", transport.endpoint(), last == null ? "" : last.getMessage());
        throw new RetriableInferenceException(transport.endpoint() + " did not answer after "
                + (settings.retries() + 1) + " attempt(s): " + (last == null ? "" : last.getMessage()), last,
                last == null ? null : last.retryAfter().orElse(null));
    }

    /** @return false if the server asked for a longer wait than a request may take: leave that to the engine. */
    private boolean pause(int attempt, TransientFailure f) throws RetriableInferenceException {
        long step = Math.min(MAX_STEP_MS, settings.retryBackoff().toMillis() << Math.min(attempt, 20));
        long ms = step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
        if (f.retryAfter().isPresent()) {
            long asked = f.retryAfter().get().toMillis();
            if (asked > settings.timeout().toMillis()) {
                return false;
            }
            ms = Math.max(ms, asked);
        }
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetriableInferenceException("interrupted while waiting to retry " + transport.endpoint(), e);
        }
    }

    /** @return attempts repeated after a transient failure, since load; the remote-call retries. */
    public long retries() {
        return retries.get();
    }

    /** @return requests sent to the server (attempts), since load. */
    public long requests() {
        return requests.get();
    }

    /** @return the circuit breaker's state now. */
    public CircuitBreaker.State breakerState() {
        return breaker.state();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String[] tags = {"model", info().name(), "endpoint", transport.endpoint()};
        FunctionCounter.builder(RETRIES, this, RemoteModel::retries).tags(tags)
                .description("Attempts at a remote request repeated after a transient failure").register(registry);
        FunctionCounter.builder(REQUESTS, this, RemoteModel::requests).tags(tags)
                .description("Attempts at remote requests sent to the model server").register(registry);
        Gauge.builder(BREAKER_OPEN, this, m -> m.breakerState() == CircuitBreaker.State.OPEN ? 1 : 0).tags(tags)
                .description("1 while the circuit breaker to the model server is open").register(registry);
    }

    @Override
    protected void release() {
        transport.close();
    }

    @Override
    public String toString() {
        return "RemoteModel[" + info().name() + ":" + info().version() + " at " + transport.endpoint() + ", " + settings + "]";
    }
}
