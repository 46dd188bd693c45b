package io.inferstream.bench;

import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import java.util.Map;

/**
 * The broker a benchmark runs against: in this JVM ({@link #inJvm}) or in a process of its own
 * ({@link BrokerProcess}), so that a measurement of latency can keep the broker's heap, allocation and GC pauses out
 * of the engine's JVM, as they are in production.
 *
 * <p>Thread safety: implementations may be used from several threads.
 */
interface BenchBroker {
    /** @return the broker's bootstrap address on 127.0.0.1 */
    String bootstrapServers();

    /** Creates a topic and returns once every partition is served by its leader (clients can use it at once). */
    void createTopic(String name, int partitions);

    /** @return byte-array consumer settings for this broker; a {@code null} group for {@code assign()} only */
    default Map<String, Object> consumerConfig(String groupId) {
        return EmbeddedKafkaBroker.consumerConfig(bootstrapServers(), groupId);
    }

    /** @return the broker in this JVM, as the benchmarks that compare throughput side by side use it */
    static BenchBroker inJvm(EmbeddedKafkaBroker broker) {
        return new BenchBroker() {
            @Override
            public String bootstrapServers() {
                return broker.bootstrapServers();
            }

            @Override
            public void createTopic(String name, int partitions) {
                broker.createTopic(name, partitions);
            }
        };
    }
}
