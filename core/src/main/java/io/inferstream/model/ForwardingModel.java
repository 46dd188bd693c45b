package io.inferstream.model;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;

/**
 * A model that passes every call to another one; subclasses override what they change (e.g. add class labels,
 * count or reshape calls). Closing it closes the wrapped model. A wrapped model that publishes meters of its own (a
 * {@link MeterBinder}, e.g. a remote model's retries and circuit breaker) stays reachable through the wrapper: binding
 * the wrapper binds it.
 *
 * <p>Thread safety: as thread-safe as the wrapped model, unless a subclass adds state.
 */
public abstract class ForwardingModel implements Model, MeterBinder {
    private final Model delegate;

    protected ForwardingModel(Model delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** Binds the wrapped model's own meters, if it has any; a model without meters binds nothing. */
    @Override
    public void bindTo(MeterRegistry registry) {
        if (delegate instanceof MeterBinder) {
            ((MeterBinder) delegate).bindTo(registry);
        }
    }

    /** @return the wrapped model. */
    protected final Model delegate() {
        return delegate;
    }

    @Override
    public ModelInfo info() {
        return delegate.info();
    }

    @Override
    public List<Prediction> predict(List<Features> batch) throws InferenceException {
        return delegate.predict(batch);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
