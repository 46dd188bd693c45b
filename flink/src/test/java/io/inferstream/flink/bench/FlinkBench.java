package io.inferstream.flink.bench;

import io.inferstream.flink.ChildBroker;
import io.inferstream.flink.FlinkInference;
import io.inferstream.flink.InferenceKafka;
import io.inferstream.flink.InferenceOptions;
import io.inferstream.flink.InferenceOutput;
import io.inferstream.flink.LocalFlink;
import io.inferstream.flink.ModelDeployment;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ScratchDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code bin/bench flink [--records N] [--parallelism P] [--batch-size B]}: the Flink operator on the same model and
 * payload as the engine's {@code onnx} row of {@code bin/bench} (the 784→35→10 MLP, 8.4 KB JSON records, 4 partitions,
 * batches of 500), parallelism 2, at-least-once KafkaSink (the engine's default guarantee), checkpoints every 5 s.
 * Timed from the first prediction on the output topic to the last, as the engine rows time from the group's first
 * records. Then the same records through Flink SQL's {@code ML_PREDICT} with {@code 'provider' = 'inferstream'}, its
 * synchronous and its async (micro-batching) runtime, Kafka table source and sink, same parallelism.
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class FlinkBench {
    private static final int PARTITIONS = 4;
    private static final int POOL = 256;

    private FlinkBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int records = Integer.parseInt(opts.getOrDefault("records", "30000"));
        int parallelism = Integer.parseInt(opts.getOrDefault("parallelism", "2"));
        int batchSize = Integer.parseInt(opts.getOrDefault("batch-size", "500"));
        DenseNetwork net = DenseNetwork.mnistSized();
        float[][] inputs = net.sampleInputs(POOL, 7);
        try (ScratchDirectory scratch = ScratchDirectory.create("inferstream-flink-bench");
             ChildBroker kafka = ChildBroker.start()) {
            Path model = Files.write(scratch.path().resolve("mnist-mlp.onnx"), OnnxModelWriter.denseNetwork(net));
            kafka.createTopic("bench-in", PARTITIONS);
            kafka.createTopic("bench-out", PARTITIONS);
            kafka.createTopic("bench-dlt", 1);
            List<Map.Entry<byte[], byte[]>> backlog = new ArrayList<>(records);
            for (int i = 0; i < records; i++) {
                backlog.add(new AbstractMap.SimpleEntry<>(("r" + i).getBytes(StandardCharsets.UTF_8),
                        DenseNetwork.toJson(inputs[i % POOL]).getBytes(StandardCharsets.UTF_8)));
            }
            kafka.produce("bench-in", backlog);

            StreamExecutionEnvironment env = LocalFlink.environment(parallelism, 5000);
            SingleOutputStreamOperator<InferenceOutput> scored = FlinkInference.score(
                    LocalFlink.boundedKafka(env, kafka.bootstrapServers(), "bench-in"),
                    ModelDeployment.path(model.toString()),
                    InferenceOptions.builder().maxBatchSize(batchSize).build());
            scored.sinkTo(atLeastOnce(kafka.bootstrapServers(), "bench-out"));
            scored.getSideOutput(FlinkInference.DEAD_LETTERS).sinkTo(atLeastOnce(kafka.bootstrapServers(), "bench-dlt"));
            JobClient job = env.executeAsync("inferstream-flink-bench");
            long first = 0;
            long count = 0;
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumerConfig())) {
                List<TopicPartition> out = new ArrayList<>();
                for (int p = 0; p < PARTITIONS; p++) {
                    out.add(new TopicPartition("bench-out", p));
                }
                while (count < records) {
                    count = consumer.endOffsets(out).values().stream().mapToLong(Long::longValue).sum();
                    if (count > 0 && first == 0) {
                        first = System.nanoTime();
                    }
                    Thread.sleep(20);
                }
            }
            double seconds = (System.nanoTime() - first) / 1e9;
            job.getJobExecutionResult().get();
            System.out.printf("| Flink operator, parallelism %d, batches of %d, ONNX 784→35→10 MLP, JSON images | %,.0f rows/s |%n",
                    parallelism, batchSize, records / seconds);
            // The same records through Flink SQL: CREATE MODEL ... 'provider' = 'inferstream' and ML_PREDICT, the
            // synchronous runtime (one model call per row) and the async one (rows in flight scored together).
            for (boolean async : new boolean[] {false, true}) {
                String out = async ? "bench-sql-async" : "bench-sql";
                kafka.createTopic(out, PARTITIONS);
                double rate = mlPredict(parallelism, batchSize, kafka, model, out, async, records);
                System.out.printf("| Flink SQL ML_PREDICT (%s), parallelism %d, ONNX 784→35→10 MLP, JSON images | %,.0f rows/s |%n",
                        async ? "async, up to " + batchSize + " rows in flight per subtask" : "sync, one call per row",
                        parallelism, rate);
            }
        }
        System.exit(0);
    }

    /** @return rows/s from the first to the last output record of an ML_PREDICT job over the same input topic. */
    private static double mlPredict(int parallelism, int batchSize, ChildBroker kafka, Path model, String out,
            boolean async, int records) throws Exception {
        StreamExecutionEnvironment env = LocalFlink.environment(parallelism, 5000);
        StreamTableEnvironment sql = StreamTableEnvironment.create(env);
        String servers = kafka.bootstrapServers();
        sql.executeSql("CREATE TABLE images (v STRING) WITH ('connector' = 'kafka', 'topic' = 'bench-in', "
                + "'properties.bootstrap.servers' = '" + servers + "', 'properties.group.id' = '" + out + "', "
                + "'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'raw')");
        sql.executeSql("CREATE TABLE scores (p STRING) WITH ('connector' = 'kafka', 'topic' = '" + out + "', "
                + "'properties.bootstrap.servers' = '" + servers + "', 'sink.delivery-guarantee' = 'at-least-once', "
                + "'format' = 'raw')");
        // One STRING column that names no input: the whole JSON record, decoded by the engine's decoder.
        sql.executeSql("CREATE MODEL mlp INPUT (v STRING) OUTPUT (probabilities ARRAY<FLOAT>) WITH ("
                + "'provider' = 'inferstream', 'model.path' = '" + model + "', 'max.batch.size' = '" + batchSize + "')");
        String runtime = async ? ", MAP['async', 'true', 'max-concurrent-operations', '" + batchSize + "']"
                : ", MAP['async', 'false']";
        TableResult result = sql.executeSql("INSERT INTO scores SELECT CAST(probabilities AS STRING) FROM "
                + "ML_PREDICT(TABLE images, MODEL mlp, DESCRIPTOR(v)" + runtime + ")");
        long first = 0;
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumerConfig())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(out, p));
            }
            while (count < records) {
                count = consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
                if (count > 0 && first == 0) {
                    first = System.nanoTime();
                }
                Thread.sleep(20);
            }
        }
        double seconds = (System.nanoTime() - first) / 1e9;
        result.await();
        return records / seconds;
    }

    private static KafkaSink<InferenceOutput> atLeastOnce(String bootstrap, String topic) {
        return KafkaSink.<InferenceOutput>builder().setBootstrapServers(bootstrap)
                .setRecordSerializer(InferenceKafka.serializer(topic))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE).build();
    }
}
