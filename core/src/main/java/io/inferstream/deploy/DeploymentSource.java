package io.inferstream.deploy;

import io.inferstream.model.ModelLoadException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Where a deployment's versions and routing come from: a fixed model, a watched folder in TF Serving's
 * {@code <base>/<version>/} layout, or a compacted Kafka model topic. A source only describes; the
 * {@link DeploymentManager} loads, checks and swaps.
 *
 * <p>Thread safety: {@link #start} is called once; the source then calls its listener from one thread of its own,
 * never concurrently. {@link #close()} may be called from any thread.
 */
public interface DeploymentSource extends AutoCloseable {

    /**
     * Reads the current state (e.g. a model topic to its end) and returns it; called once, before {@link #start}.
     *
     * @throws ModelLoadException if the state cannot be read in time, with a message naming where from
     */
    DeploymentSpec initial(Duration timeout) throws ModelLoadException;

    /** Starts following changes; each change calls the listener with the whole new state. */
    void start(Consumer<DeploymentSpec> listener);

    /** Reports what became of a version (served, rejected and why), for sources that can show it to users. */
    default void report(VersionStatus status) {
    }

    /** @return a short description for logs, e.g. {@code topic models, model fraud}. */
    String describe();

    /** Stops following; idempotent, never throws. */
    @Override
    void close();
}
