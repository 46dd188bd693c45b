package io.inferstream.spring;

import io.inferstream.engine.InferenceEngine;
import java.util.Optional;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Actuator's view of the engine's readiness ({@link InferenceEngine#notReady()}, the engine's own
 * {@code /health/ready}): UP once a model is loaded, partitions are assigned and the cluster answers; OUT_OF_SERVICE
 * with the reason while starting or stopping; DOWN after a failure stopped the engine. Details: state, model name
 * and version, and the reason when not UP. Registered as {@code inferstream} (so {@code /actuator/health/inferstream});
 * add it to the readiness group with {@code management.endpoint.health.group.readiness.include=readinessState,inferstream}.
 *
 * <p>Thread safety: thread-safe; the engine's readiness is read without locks.
 */
public final class InferstreamHealthIndicator implements HealthIndicator {
    private final InferstreamEngineLifecycle lifecycle;

    public InferstreamHealthIndicator(InferstreamEngineLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    @Override
    public Health health() {
        Optional<InferenceEngine> running = lifecycle.engine();
        if (running.isEmpty()) {
            return Health.outOfService().withDetail("reason", "the engine has not started").build();
        }
        InferenceEngine engine = running.get();
        Optional<String> notReady = engine.notReady();
        Health.Builder health = notReady.isEmpty() ? Health.up()
                : engine.failure().isPresent() ? Health.down() : Health.outOfService();
        health.withDetail("state", engine.state().name());
        engine.deployments().peek().ifPresent(d -> d.serving().forEach(v ->
                health.withDetail("model", v.info().name() + " " + v.info().version())));
        notReady.ifPresent(reason -> health.withDetail("reason", reason));
        return health.build();
    }
}
