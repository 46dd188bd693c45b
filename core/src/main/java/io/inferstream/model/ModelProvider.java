package io.inferstream.model;


/**
 * Makes model instances for the engine: one in all when the model is thread-safe, one per worker thread when it
 * is not. A typical provider loads from a {@link io.inferstream.model.ModelRegistry}:
 * {@code () -> registry.load(ModelSource.of(path), null, Map.of())}.
 *
 * <p>Thread safety: called from the thread that starts the engine only.
 */
@FunctionalInterface
public interface ModelProvider {

    /** @return a new model instance, owned by the engine, which closes it. */
    Model load() throws ModelLoadException;
}
