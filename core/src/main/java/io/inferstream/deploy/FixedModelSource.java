package io.inferstream.deploy;

import io.inferstream.model.ModelProvider;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * One model that never changes: a file given by {@code model.path}, or a model passed in code. Predictions keep the
 * name and version the model declares.
 *
 * <p>Thread safety: immutable.
 */
public final class FixedModelSource implements DeploymentSource {
    private final String origin;
    private final ModelProvider provider;

    /**
     * @param origin where the model is, for logs
     * @param provider loads one instance per call
     */
    public FixedModelSource(String origin, ModelProvider provider) {
        this.origin = origin;
        this.provider = provider;
    }

    @Override
    public DeploymentSpec initial(Duration timeout) {
        return new DeploymentSpec(null, List.of(VersionSpec.fixed(origin, provider)), null);
    }

    @Override
    public void start(Consumer<DeploymentSpec> listener) {
        // nothing changes
    }

    @Override
    public String describe() {
        return origin;
    }

    @Override
    public void close() {
        // nothing to stop
    }
}
