package io.inferstream.streams.example;

import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.streams.*;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.*;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.*;

/** Embed a model (ONNX here; any format with its adapter on the classpath) in a Kafka Streams app. */
public final class EmbedModelInKafkaStreams {
    public static Topology topology(Inference inference) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<byte[]> bytes = Serdes.ByteArray();
        KStream<byte[], byte[]> scored = builder.stream("events", Consumed.with(bytes, bytes))
                .processValues(inference.processor(), Named.as("inference"));
        scored.to("predictions", Produced.with(bytes, bytes).withName("predictions"));   // JSON, in input order
        scored.to("dead-letters", Produced.with(bytes, bytes).withName("dead-letters")); // where from and why
        return builder.build();
    }

    public static void main(String[] args) throws Exception {  // args: bootstrap-servers model-file
        ModelRegistry registry = ModelRegistry.discover();
        InferenceOptions options = InferenceOptions.builder().maxBatchSize(500)
                .predictionChild("predictions").deadLetterChild("dead-letters").build();
        Properties props = new Properties();  // plus your own settings
        props.putAll(Map.of("application.id", "score-events", "bootstrap.servers", args[0],
                "processing.guarantee", "exactly_once_v2"));
        Inference inference = Inference.start(() -> registry.load(ModelSource.of(Path.of(args[1])), null, Map.of()), options);
        KafkaStreams streams = new KafkaStreams(topology(inference), props);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { streams.close(); inference.close(); }));
        streams.start();
    }
}
