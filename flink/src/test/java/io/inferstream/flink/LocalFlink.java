package io.inferstream.flink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A Flink MiniCluster in this JVM, bound to 127.0.0.1, and the Kafka plumbing the job tests share: a bounded
 * {@code KafkaSource} of {@link InferenceInput}s, an exactly-once {@code KafkaSink}, and a read_committed reader.
 *
 * <p>Thread safety: stateless.
 */
public final class LocalFlink {
    private LocalFlink() {
    }

    /**
     * @return a local environment: a MiniCluster of {@code parallelism} slots on 127.0.0.1, checkpoints every
     *     {@code checkpointMillis} (0: none), up to 5 restarts 200 ms apart
     */
    public static StreamExecutionEnvironment environment(int parallelism, long checkpointMillis) {
        Configuration conf = loopback();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        if (checkpointMillis > 0) {
            env.enableCheckpointing(checkpointMillis);
        }
        return env;
    }

    /** @return a configuration that keeps a MiniCluster's job manager, task managers and REST endpoint on 127.0.0.1. */
    public static Configuration loopback() {
        Configuration conf = new Configuration();
        conf.set(JobManagerOptions.ADDRESS, "127.0.0.1");
        conf.set(JobManagerOptions.BIND_HOST, "127.0.0.1");
        conf.set(TaskManagerOptions.HOST, "127.0.0.1");
        conf.set(TaskManagerOptions.BIND_HOST, "127.0.0.1");
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        return conf;
    }

    /** @return the topic from its start to its current end, as {@link InferenceInput}s; the job ends there. */
    public static DataStream<InferenceInput> boundedKafka(StreamExecutionEnvironment env, String bootstrap,
            String topic) {
        KafkaSource<InferenceInput> source = KafkaSource.<InferenceInput>builder()
                .setBootstrapServers(bootstrap)
                .setTopics(topic)
                .setGroupId("flink-" + topic)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                .setDeserializer(InferenceKafka.deserializer())
                .build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), topic);
    }

    /** @return a transactional sink to {@code topic}: its records become visible when a checkpoint completes. */
    public static KafkaSink<InferenceOutput> exactlyOnceSink(String bootstrap, String topic) {
        Properties producer = new Properties();
        // Longer than a checkpoint interval plus a restart, shorter than the broker's maximum (15 minutes).
        producer.setProperty("transaction.timeout.ms", "120000");
        return KafkaSink.<InferenceOutput>builder()
                .setBootstrapServers(bootstrap)
                .setRecordSerializer(InferenceKafka.serializer(topic))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix("inferstream-" + topic)
                .setKafkaProducerConfig(producer)
                .build();
    }

    /** @return every committed record of the topic, partition by partition, as a read_committed consumer sees it. */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(ChildBroker broker, String topic) {
        Map<String, Object> config = broker.consumerConfig();
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // Under read_committed the end offsets are the last stable offsets: nothing open is waited for.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to " + end + " in 60 s");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
