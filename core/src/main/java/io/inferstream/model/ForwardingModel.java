package io.inferstream.model;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A model that passes every call to another one; subclasses override what they change (e.g. add class labels,
 * count or reshape calls). Closing it closes the wrapped model. What the wrapped model can do besides scoring (e.g.
 * publish a remote model's own meters) stays reachable through the wrapper with {@link #unwrap}.
 *
 * <p>Thread safety: as thread-safe as the wrapped model, unless a subclass adds state.
 */
public abstract class ForwardingModel implements Model {
    private final Model delegate;

    protected ForwardingModel(Model delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** @return this wrapper as the given type if it is one, else what the wrapped model answers. */
    @Override
    public <T> Optional<T> unwrap(Class<T> type) {
        return type.isInstance(this) ? Optional.of(type.cast(this)) : delegate.unwrap(type);
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
