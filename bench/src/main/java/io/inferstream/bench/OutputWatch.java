package io.inferstream.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Tells, from the broker, how many records an output topic holds: the sum of its partitions' end offsets, which
 * count only records the broker has acknowledged ({@code acks=all}, so up to the high watermark). Every row of the
 * benchmark ends when its output topic holds {@code n} records, so the engine, the raw pipe and the Kafka Streams
 * apps are all timed to the same event, whatever each counts internally.
 *
 * <p>Thread safety: one caller at a time.
 */
final class OutputWatch implements AutoCloseable {
    private final Admin admin;

    OutputWatch(String bootstrap) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    /**
     * Waits until {@code topic} holds at least {@code n} records.
     *
     * @param failure checked between looks: a row whose app failed ends at once with its error
     * @return {@link System#nanoTime()} when it was seen to hold them
     */
    long awaitRecords(String topic, int partitions, long n, Duration timeout, Runnable failure)
            throws InterruptedException {
        return await(topic, partitions, n, timeout, failure).nanos();
    }

    /**
     * Waits until {@code topic} holds at least {@code n} records.
     *
     * @param failure checked between looks: a row whose app failed ends at once with its error
     * @return when it was seen to hold them, and how many it held then (a batch lands at once: {@code held >= n})
     */
    Sighting await(String topic, int partitions, long n, Duration timeout, Runnable failure)
            throws InterruptedException {
        List<TopicPartition> tps = java.util.stream.IntStream.range(0, partitions)
                .mapToObj(p -> new TopicPartition(topic, p)).toList();
        Map<TopicPartition, OffsetSpec> latest = tps.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            failure.run();
            long held;
            try {
                held = admin.listOffsets(latest).all().get().values().stream()
                        .mapToLong(ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot read the end offsets of " + topic, e.getCause());
            }
            if (held >= n) {
                return new Sighting(System.nanoTime(), held);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(topic + " holds " + held + " of " + n + " records after " + timeout);
            }
            // 50 small requests a second to the broker, the same for every row; 20 ms is under 1% of a row's run.
            Thread.sleep(20);
        }
    }

    /**
     * What a look at the topic saw.
     *
     * @param nanos {@link System#nanoTime()} of the look
     * @param held the records the topic held
     */
    record Sighting(long nanos, long held) {
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
