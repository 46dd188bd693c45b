package io.inferstream.examples;

import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Where the examples find Kafka: the cluster given as the first program argument ({@code host:port}), or else a
 * broker started in-process on 127.0.0.1 so an example runs on a machine with nothing installed.
 *
 * <p>Thread safety: one per example run; not shared.
 */
final class ExampleKafka implements AutoCloseable {
    private final EmbeddedKafkaBroker embedded;
    private final String bootstrap;

    private ExampleKafka(EmbeddedKafkaBroker embedded, String bootstrap) {
        this.embedded = embedded;
        this.bootstrap = bootstrap;
    }

    static ExampleKafka fromArgs(String[] args) {
        if (args.length > 0) {
            return new ExampleKafka(null, args[0]);
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
        System.out.println("(no bootstrap servers given: started a Kafka broker in-process at " + broker.bootstrapServers() + ")");
        return new ExampleKafka(broker, broker.bootstrapServers());
    }

    String bootstrapServers() {
        return bootstrap;
    }

    /** Creates the topics if they do not exist yet. */
    void createTopics(int partitions, String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            for (String t : topics) {
                try {
                    admin.createTopics(List.of(new NewTopic(t, partitions, (short) 1))).all().get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
        }
    }
}
