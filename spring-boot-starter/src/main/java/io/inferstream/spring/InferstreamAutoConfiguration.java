package io.inferstream.spring;

import io.inferstream.config.EngineConfig;
import io.inferstream.model.Model;
import io.inferstream.model.ModelLoader;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Runs an Inferstream engine in a Spring Boot application that sets {@code inferstream.bootstrap.servers} (and the
 * other required engine keys): an {@link EngineConfig} bean from the {@code inferstream.*} properties
 * ({@link InferstreamProperties}), the engine bean ({@link InferstreamEngineLifecycle}) using the application's
 * {@link MeterRegistry}, {@link Model} and {@link ModelLoader} beans when there are any, and, with Spring Boot's
 * health support on the class path, the {@code inferstream} health contributor. Every bean backs off if the
 * application defines its own.
 *
 * <p>Thread safety: Spring calls it while the context is built.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnProperty(prefix = InferstreamProperties.PREFIX, name = "bootstrap.servers")
@ConditionalOnBooleanProperty(prefix = InferstreamProperties.PREFIX, name = InferstreamProperties.ENABLED,
        matchIfMissing = true)
public class InferstreamAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public EngineConfig inferstreamEngineConfig(Environment environment) {
        return InferstreamProperties.engineConfig(environment);
    }

    @Bean
    @ConditionalOnMissingBean
    public InferstreamEngineLifecycle inferstreamEngine(EngineConfig config, ObjectProvider<Model> model,
            ObjectProvider<ModelLoader> loaders, ObjectProvider<MeterRegistry> meters) {
        return new InferstreamEngineLifecycle(config, Optional.ofNullable(model.getIfUnique()),
                loaders.orderedStream().toList(), meters.getIfUnique());
    }

    /** Registered only with Spring Boot's health support (spring-boot-health, e.g. from the actuator starter). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class HealthContribution {
        @Bean(name = "inferstream")
        @ConditionalOnMissingBean(InferstreamHealthIndicator.class)
        InferstreamHealthIndicator inferstreamHealthIndicator(InferstreamEngineLifecycle engine) {
            return new InferstreamHealthIndicator(engine);
        }
    }
}
