package io.inferstream.it;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;

import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One real broker per test class, unique topic names per test, and the engine configuration the tests share.
 *
 * <p>Thread safety: JUnit test support; not for concurrent use.
 */
abstract class EngineTestSupport {
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    /** Topic names of one test. */
    static final class Topics {
        final String input;
        final String output;
        final String deadLetters;
        final String group;

        Topics(String name, int partitions) {
            int n = SEQUENCE.incrementAndGet();
            input = name + "-in-" + n;
            output = name + "-out-" + n;
            deadLetters = name + "-dlt-" + n;
            group = name + "-group-" + n;
            KAFKA.broker().createTopic(input, partitions);
            KAFKA.broker().createTopic(output, partitions);
            KAFKA.broker().createTopic(deadLetters, 1);
        }
    }

    static Map<String, Object> engineProperties(Topics topics) {
        Map<String, Object> p = new HashMap<>();
        p.put(EngineConfig.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        p.put(EngineConfig.GROUP_ID, topics.group);
        p.put(EngineConfig.INPUT_TOPICS, topics.input);
        p.put(EngineConfig.OUTPUT_TOPIC, topics.output);
        p.put(EngineConfig.DEAD_LETTER_TOPIC, topics.deadLetters);
        p.put(EngineConfig.WORKER_THREADS, 2);
        return p;
    }

    static ModelSource onnx(DenseNetwork network) {
        return ModelSource.of(OnnxModelWriter.denseNetwork(network), "net.onnx");
    }

    /** Waits until every one of {@code records} is a prediction or a dead letter, or the engine fails. */
    static void awaitAccounted(InferenceEngine engine, long records, long timeoutMillis) throws InterruptedException {
        EngineMetrics m = engine.metrics();
        await(() -> m.predictionsOut() + m.deadLetters() >= records || engine.failure().isPresent(), timeoutMillis,
                () -> "only " + (m.predictionsOut() + m.deadLetters()) + " of " + records + " accounted for: " + m);
    }

    static void await(BooleanSupplier condition, long timeoutMillis, java.util.function.Supplier<String> message)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(message.get());
            }
            Thread.sleep(20);
        }
    }
}
