package io.inferstream.bench;

import io.inferstream.config.EngineConfig;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.DenseNetwork;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * What every benchmark program shares: the engine settings of a run (its own output and dead-letter topics and
 * consumer group on the in-process broker, two workers, plus the run's own settings), the {@code --key value}
 * options, and the JSON image records (784 floats, ~8 KB each) most runs score.
 *
 * <p>Thread safety: stateless.
 */
final class BenchEngines {
    private BenchEngines() {
    }

    /** @return {@code --key value} pairs of the command line, keys without the dashes. */
    static Map<String, String> options(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return opts;
    }

    /** @return {@code n} JSON records of the MNIST-sized network's sample inputs (seed 7). */
    static byte[][] imageRecords(int n) {
        float[][] inputs = DenseNetwork.mnistSized().sampleInputs(n, 7);
        byte[][] pool = new byte[n][];
        for (int i = 0; i < n; i++) {
            pool[i] = DenseNetwork.toJson(inputs[i]).getBytes(StandardCharsets.UTF_8);
        }
        return pool;
    }

    /** Creates {@code output} and {@code output-dlt} and returns the engine properties reading {@code input}. */
    static Map<String, Object> properties(EmbeddedKafkaBroker broker, String input, String output, int partitions,
            Map<String, Object> extra) {
        return properties(BenchBroker.inJvm(broker), input, output, partitions, extra);
    }

    /** Creates {@code output} and {@code output-dlt} and returns the engine properties reading {@code input}. */
    static Map<String, Object> properties(BenchBroker broker, String input, String output, int partitions,
            Map<String, Object> extra) {
        broker.createTopic(output, partitions);
        broker.createTopic(output + "-dlt", 1);
        Map<String, Object> props = new HashMap<>(extra);
        props.put(EngineConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
        props.put(EngineConfig.GROUP_ID, "group-" + output);
        props.put(EngineConfig.INPUT_TOPICS, input);
        props.put(EngineConfig.OUTPUT_TOPIC, output);
        props.put(EngineConfig.DEAD_LETTER_TOPIC, output + "-dlt");
        props.putIfAbsent(EngineConfig.WORKER_THREADS, 2);
        return props;
    }
}
