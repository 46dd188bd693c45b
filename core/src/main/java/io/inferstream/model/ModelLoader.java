package io.inferstream.model;

import java.util.Map;

/**
 * Loads models of one format. Each adapter module provides one, registered in
 * {@code META-INF/services/io.inferstream.model.ModelLoader} and found by {@link ModelRegistry}.
 *
 * <p>Implementations must have a public no-argument constructor and must not start their framework until
 * {@link #load} is called, so that listing the available formats stays cheap.
 *
 * <p>Thread safety: implementations must be thread-safe; {@code load} may be called concurrently.
 */
public interface ModelLoader {

    /** @return the format id used in configuration, e.g. {@code onnx}, {@code pmml}, {@code h2o-mojo}. */
    String format();

    /**
     * Cheap sniffing, by name or magic bytes; must not start the framework.
     *
     * @return true if this loader recognises the source as its format
     */
    boolean accepts(ModelSource source);

    /**
     * Loads a model.
     *
     * @param source where the model is
     * @param config loader options (adapter-specific keys, documented by each adapter); never null
     * @return the loaded model, owned by the caller, who must close it
     * @throws ModelLoadException with a message naming the model and the problem
     */
    Model load(ModelSource source, Map<String, ?> config) throws ModelLoadException;

    /**
     * @return the options {@link #load} takes, with types, defaults and documentation; {@link ModelRegistry#load}
     *     rejects any other key. The default, for loaders written before options were declared, checks nothing.
     */
    default OptionSpec options() {
        return OptionSpec.undeclared();
    }

    /** @return a one-line description for listings, e.g. the framework and its version. */
    default String description() {
        return format();
    }
}
