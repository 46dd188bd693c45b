package io.inferstream.testkit.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression: {@link EmbeddedKafkaBroker#createTopic} used to return once every partition had a leader in the
 * broker's metadata cache, while the broker's replica manager was still creating the partitions one by one. A produce
 * arriving in that gap was refused with NOT_LEADER_OR_FOLLOWER; with an idempotent producer's pipelined requests, a
 * later batch could then be written first, and the refused first batch was retried with OUT_OF_ORDER_SEQUENCE_NUMBER
 * until it expired ("Expiring N record(s) for roundtrip-0"). Many partitions widen the gap, so these tests catch it.
 */
class EmbeddedKafkaBrokerTopicReadinessTest {

    /** The broker creates partitions one after another; the more there are, the longer the old gap. */
    private static final int PARTITIONS = 24;


    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void everyPartitionAcceptsItsFirstSendRightAfterCreateTopicReturns() throws Exception {
        KAFKA.broker().createTopic("ready-at-once", PARTITIONS);

        // No retries: a partition whose leader replica is not serving yet fails its send at once instead of hiding
        // the gap behind a retry. (Idempotence needs retries, so it is off here.)
        Map<String, Object> config = KAFKA.broker().stringProducerConfig();
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        config.put(ProducerConfig.RETRIES_CONFIG, 0);
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int p = 0; p < PARTITIONS; p++) {
                sends.add(producer.send(new ProducerRecord<>("ready-at-once", p, "k" + p, "v" + p)));
            }
            producer.flush();
            for (int p = 0; p < PARTITIONS; p++) {
                try {
                    assertEquals(0, sends.get(p).get(30, TimeUnit.SECONDS).offset(), "first offset of partition " + p);
                } catch (ExecutionException e) {
                    fail("partition " + p + " refused its first record right after createTopic returned: "
                            + e.getCause(), e.getCause());
                }
            }
        }
    }

    @Test
    void idempotentPipelinedProduceRightAfterCreateTopicLosesNothing() {
        // The original failure: the helpers' idempotent producer, several requests in flight, on a fresh topic.
        KAFKA.broker().createTopic("pipelined", PARTITIONS);
        int n = 3_000;
        List<Map.Entry<String, String>> sent = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sent.add(Map.entry("key-" + i, "value-" + i));
        }
        List<RecordMetadata> written = KafkaRecords.produceStrings(KAFKA.broker(), "pipelined", sent);
        assertEquals(n, written.size());
        assertEquals(n, KafkaRecords.countRecords(KAFKA.broker(), "pipelined"));
        // Within each partition, records were written in the order they were sent.
        Map<Integer, Integer> lastIndex = new HashMap<>();
        for (ConsumerRecord<String, String> r : KafkaRecords.consumeStrings(KAFKA.broker(), "pipelined", n,
                Duration.ofSeconds(30))) {
            int i = Integer.parseInt(r.key().substring("key-".length()));
            Integer previous = lastIndex.put(r.partition(), i);
            if (previous != null && previous > i) {
                fail("partition " + r.partition() + " holds key-" + previous + " before key-" + i);
            }
        }
    }
}
