package io.inferstream.spring;

import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.engine.ModelSources;
import io.inferstream.model.ForwardingModel;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelLoader;
import io.inferstream.model.ModelRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.springframework.context.SmartLifecycle;

/**
 * The engine as a bean whose life follows the application context: started when the context has refreshed (after
 * every other bean exists, so the application's {@link MeterRegistry} and model beans are there), stopped when the
 * context closes, before the beans it uses are destroyed: each worker finishes and commits its in-flight batch, then
 * the Kafka clients and the model are closed ({@link InferenceEngine#close()}, bounded by
 * {@code inferstream.shutdown.timeout.ms}).
 *
 * <p>The model: a {@link Model} bean of the application if there is one (the engine serves it; the application owns
 * it, so it must be thread-safe or {@code inferstream.worker.threads} 1); otherwise {@code inferstream.model.*} as the
 * engine reads them, with the application's {@link ModelLoader} beans tried before the adapters on the class path.
 *
 * <p>Thread safety: start and stop are called by the context, one at a time; {@link #engine()} from any thread.
 */
public final class InferstreamEngineLifecycle implements SmartLifecycle {
    /** Stops before ordinary lifecycle beans (web servers stop at a lower phase, after). */
    public static final int PHASE = Integer.MAX_VALUE - 1000;

    private final EngineConfig config;
    private final Optional<Model> model;
    private final List<ModelLoader> loaders;
    private final MeterRegistry meters;
    private volatile InferenceEngine engine;
    /** True from start() to stop(): a failed engine still counts as running, so that the context's stop closes it. */
    private volatile boolean running;

    /**
     * @param model the application's model, served as is, or empty
     * @param loaders the application's loaders, tried first
     * @param meters the application's registry, or null
     */
    public InferstreamEngineLifecycle(EngineConfig config, Optional<Model> model, List<ModelLoader> loaders,
            MeterRegistry meters) {
        this.config = config;
        this.model = model;
        this.loaders = List.copyOf(loaders);
        this.meters = meters;
    }

    @Override
    public void start() {
        try {
            engine = InferenceEngine.start(config, source(), meters);
            running = true;
        } catch (ModelLoadException e) {
            throw new IllegalStateException("the inferstream engine could not load its model: " + e.getMessage(), e);
        }
    }

    private DeploymentSource source() {
        if (model.isPresent()) {
            Model application = model.get();
            // The application's bean outlives the engine: the engine gets a view whose close() leaves it open.
            return new FixedModelSource(application.info().name(),
                    () -> new ForwardingModel(application) {
                        @Override
                        public void close() {
                        }
                    });
        }
        ModelRegistry registry = ModelRegistry.discover();
        loaders.forEach(registry::register);
        return ModelSources.fromConfig(config, registry, Path.of(""));
    }

    @Override
    public void stop() {
        InferenceEngine started = engine;
        if (started != null) {
            started.close();
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** @return the running engine, once the context has started it. */
    public Optional<InferenceEngine> engine() {
        return Optional.ofNullable(engine);
    }
}
