package io.inferstream.bench;

import io.inferstream.config.EngineConfig;
import io.inferstream.testkit.kafka.EmbeddedKafkaBroker;
import java.util.HashMap;
import java.util.Map;

/**
 * The engine settings every benchmark run shares: its own output and dead-letter topics and consumer group on the
 * in-process broker, two workers, plus the run's own settings.
 *
 * <p>Thread safety: stateless.
 */
final class BenchEngines {
    private BenchEngines() {
    }

    /** Creates {@code output} and {@code output-dlt} and returns the engine properties reading {@code input}. */
    static Map<String, Object> properties(EmbeddedKafkaBroker broker, String input, String output, int partitions,
            Map<String, Object> extra) {
        broker.createTopic(output, partitions);
        broker.createTopic(output + "-dlt", 1);
        Map<String, Object> props = new HashMap<>(extra);
        props.put(EngineConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
        props.put(EngineConfig.GROUP_ID, "group-" + output);
        props.put(EngineConfig.INPUT_TOPICS, input);
        props.put(EngineConfig.OUTPUT_TOPIC, output);
        props.put(EngineConfig.DEAD_LETTER_TOPIC, output + "-dlt");
        props.put(EngineConfig.WORKER_THREADS, 2);
        return props;
    }
}
