package io.inferstream.examples;

import io.inferstream.dl4j.fixtures.Dl4jFixtures;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.ScratchDirectory;
import io.inferstream.streams.Inference;
import io.inferstream.streams.InferenceOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * A Deeplearning4j network (trained in-process on three blobs of points) inside a Kafka Streams app with two stream
 * threads. A DL4J network is not thread-safe, so the app loads one copy per stream thread ({@code slots}). Points in,
 * the colour of their blob out to {@code points-scored}; a point with a word for a coordinate goes to
 * {@code points-dlt}. {@link #inference} and {@link #topology} are the whole app.
 *
 * <p>Run: {@code bin/example kafka-streams dl4j [bootstrap-servers]}.
 *
 * <p>Thread safety: a program, run on its main thread; the topology is Kafka Streams'.
 */
public final class Dl4jStreamsExample {
    static final String IN = "points";
    static final String OUT = "points-scored";
    static final String DLT = "points-dlt";
    /** {@code num.stream.threads}, and so the copies of the network. */
    static final int THREADS = 2;

    private Dl4jStreamsExample() {
    }

    /** Loads one copy of the network per stream thread; close it after the Kafka Streams app. */
    public static Inference inference(Path network) throws ModelLoadException {
        ModelRegistry registry = ModelRegistry.discover();
        return Inference.start(() -> registry.load(ModelSource.of(network), null, Map.of()),
                InferenceOptions.builder().slots(THREADS).classLabels(Dl4jExample.COLOURS, null)
                        .predictionChild("predictions").deadLetterChild("dead-letters").build());
    }

    public static Topology topology(Inference inference) {
        Serde<byte[]> bytes = Serdes.ByteArray();
        StreamsBuilder builder = new StreamsBuilder();
        var scored = builder.stream(IN, Consumed.with(bytes, bytes))
                .processValues(inference.processor(), Named.as("blob-classifier"));
        scored.to(DLT, Produced.with(bytes, bytes).withName("dead-letters"));
        scored.to(OUT, Produced.with(bytes, bytes).withName("predictions"));
        return builder.build();
    }

    public static void main(String[] args) throws Exception {
        try (ScratchDirectory scratch = ScratchDirectory.create("dl4j-streams-example")) {
            Path model = Dl4jFixtures.save(Dl4jFixtures.trainedClassifier(), scratch.path().resolve("blobs.zip"));
            try (Inference inference = inference(model)) {
                StreamsExampleRun.run(args, "dl4j-streams-example", topology(inference), THREADS, IN,
                        List.of(OUT, DLT), Dl4jExample.RECORDS);
            }
        }
    }
}
