package io.inferstream.flink.example;

import io.inferstream.flink.ChildBroker;
import io.inferstream.flink.FlinkInference;
import io.inferstream.flink.InferenceOptions;
import io.inferstream.flink.InferenceOutput;
import io.inferstream.flink.LocalFlink;
import io.inferstream.flink.ModelDeployment;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ScratchDirectory;
import io.inferstream.scoring.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code bin/example flink}: a Flink job on an in-process MiniCluster (parallelism 2, checkpoints every second)
 * against the sandbox's real broker. It scores a small ONNX network's records from topic {@code flink-events} into
 * {@code flink-events-scored} with an exactly-once KafkaSink, sends a bad record's dead letter to
 * {@code flink-events-dlt}, and prints both, as read back by a read_committed consumer.
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class FlinkExample {
    private FlinkExample() {
    }

    public static void main(String[] args) throws Exception {
        DenseNetwork net = DenseNetwork.random(12, 8, 4, 7);
        float[][] rows = net.sampleInputs(6, 1);
        try (ScratchDirectory scratch = ScratchDirectory.create("inferstream-flink-example");
             ChildBroker kafka = ChildBroker.start()) {
            Path model = Files.write(scratch.path().resolve("net.onnx"), OnnxModelWriter.denseNetwork(net));
            kafka.createTopic("flink-events", 2);
            kafka.createTopic("flink-events-scored", 2);
            kafka.createTopic("flink-events-dlt", 1);
            List<Map.Entry<byte[], byte[]>> records = new ArrayList<>();
            for (int i = 0; i < rows.length; i++) {
                records.add(entry("user-" + i, DenseNetwork.toJson(rows[i])));
            }
            records.add(entry("user-bad", "{\"input\": [0.5, \"oops\"]}"));
            kafka.produce("flink-events", records);

            // The job: these lines are what a user adds to a Flink job of their own.
            StreamExecutionEnvironment env = LocalFlink.environment(2, 1000);
            SingleOutputStreamOperator<InferenceOutput> scored = FlinkInference.score(
                    LocalFlink.boundedKafka(env, kafka.bootstrapServers(), "flink-events"),
                    ModelDeployment.path(model.toString()), InferenceOptions.defaults());
            scored.sinkTo(LocalFlink.exactlyOnceSink(kafka.bootstrapServers(), "flink-events-scored"));
            scored.getSideOutput(FlinkInference.DEAD_LETTERS)
                    .sinkTo(LocalFlink.exactlyOnceSink(kafka.bootstrapServers(), "flink-events-dlt"));
            env.execute("inferstream-flink-example");

            System.out.println("Predictions (flink-events-scored, read_committed):");
            for (ConsumerRecord<byte[], byte[]> r : LocalFlink.readCommitted(kafka, "flink-events-scored")) {
                System.out.println("  " + text(r.key()) + " -> " + text(r.value()));
            }
            System.out.println("Dead letters (flink-events-dlt):");
            for (ConsumerRecord<byte[], byte[]> r : LocalFlink.readCommitted(kafka, "flink-events-dlt")) {
                System.out.println("  " + text(r.key()) + " " + text(r.value()) + "  stage="
                        + header(r, DeadLetterHeaders.STAGE) + " reason=" + header(r, DeadLetterHeaders.ERROR_MESSAGE));
            }
        }
        System.exit(0);
    }

    private static Map.Entry<byte[], byte[]> entry(String key, String value) {
        return new AbstractMap.SimpleEntry<>(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(byte[] b) {
        return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }
}
