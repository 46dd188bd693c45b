/**
 * Spring Boot auto-configuration of the Inferstream engine: {@link io.inferstream.spring.InferstreamAutoConfiguration}
 * binds the {@code inferstream.*} properties (the engine's own keys, e.g. {@code inferstream.bootstrap.servers},
 * {@code inferstream.model.path}) into an {@link io.inferstream.config.EngineConfig}, runs the engine as a
 * {@link org.springframework.context.SmartLifecycle} bean ({@link io.inferstream.spring.InferstreamEngineLifecycle}),
 * and reports its readiness to Actuator ({@link io.inferstream.spring.InferstreamHealthIndicator}).
 */
package io.inferstream.spring;
