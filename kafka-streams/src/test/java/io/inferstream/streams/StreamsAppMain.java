package io.inferstream.streams;

import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.streams.example.EmbedModelInKafkaStreams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The example topology as a process of its own, so that {@link KilledAppTestSupport} can kill it with SIGKILL
 * (no close, no commit, no flush: a real crash) and start another.
 * Arguments: bootstrap servers, model file, state directory, processing.guarantee.
 *
 * <p>Thread safety: a program's entry point.
 */
public final class StreamsAppMain {
    static final String APPLICATION_ID = "inference-killed-app";

    private StreamsAppMain() {
    }

    /**
     * Batches (5,000 records or 2 s: in practice 2 s, as ~1,500 records/s reach each task) far larger than the 100 ms
     * commit interval, so that every commit but one just after a flush happens while records are buffered: the kill
     * then leaves a committed buffer for the restart to restore.
     */
    public static void main(String[] args) throws Exception {
        ModelRegistry registry = ModelRegistry.discover();
        Inference inference = Inference.start(() -> registry.load(ModelSource.of(Path.of(args[1])), null, Map.of()),
                InferenceOptions.builder().maxBatchSize(5_000).maxBatchDelay(Duration.ofSeconds(2))
                        .predictionChild("predictions").deadLetterChild("dead-letters").slots(2).build());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, args[3]);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100); // exactly_once_v2's default; at_least_once's is 30 s
        props.put(StreamsConfig.STATE_DIR_CONFIG, args[2]);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
        // The killed run's members hold their partitions until their session times out: 10 s, not 45 s, of waiting.
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        KafkaStreams streams = new KafkaStreams(EmbedModelInKafkaStreams.topology(inference), props);
        streams.setStateListener((now, before) -> System.out.println("STATE " + now));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close(Duration.ofSeconds(30));
            inference.close();
        }));
        streams.start();
    }
}
