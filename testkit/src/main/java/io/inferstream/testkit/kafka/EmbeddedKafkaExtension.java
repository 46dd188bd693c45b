package io.inferstream.testkit.kafka;

import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that starts one {@link EmbeddedKafkaBroker} before a test class's tests and closes it (and
 * deletes its data) after them:
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
 * ...
 * KAFKA.broker().createTopic("in", 3);
 * }</pre>
 * Registered on an abstract base class, it gives each concrete test class a broker of its own.
 *
 * <p>Thread safety: for JUnit's sequential class lifecycle; test classes sharing one instance must not run in
 * parallel.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {
    private volatile EmbeddedKafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = EmbeddedKafkaBroker.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        EmbeddedKafkaBroker b = broker;
        broker = null;
        if (b != null) {
            b.close();
        }
    }

    /** @return the running broker of the current test class. */
    public EmbeddedKafkaBroker broker() {
        EmbeddedKafkaBroker b = broker;
        if (b == null) {
            throw new IllegalStateException("no broker: register EmbeddedKafkaExtension as a static @RegisterExtension"
                    + " field and use it from tests, not from static initialisers");
        }
        return b;
    }
}
