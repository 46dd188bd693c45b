package io.inferstream.examples;

import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.ScratchDirectory;
import io.inferstream.streams.Inference;
import io.inferstream.streams.InferenceOptions;
import io.inferstream.tensorflow.fixtures.SavedModelFixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The classic "embed a TensorFlow model in a Kafka Streams app", micro-batched: a SavedModel (the 784→35→10 network
 * exported by TF Java) scores JSON images of 784 pixels inside the topology; predictions (the digit and its
 * probabilities) go to {@code images-scored}, records it cannot score (a cropped image) to {@code images-dlt} with
 * the reason in their headers. {@link #inference} and {@link #topology} are the whole app.
 *
 * <p>Run: {@code bin/example kafka-streams tensorflow [bootstrap-servers]}.
 *
 * <p>Thread safety: a program, run on its main thread; the topology is Kafka Streams'.
 */
public final class TensorFlowStreamsExample {
    static final String IN = "images";
    static final String OUT = "images-scored";
    static final String DLT = "images-dlt";

    private TensorFlowStreamsExample() {
    }

    /** Loads the model once per application instance: batches of up to 100 images or 50 ms. Close it last. */
    public static Inference inference(Path savedModel) throws ModelLoadException {
        ModelRegistry registry = ModelRegistry.discover();
        return Inference.start(() -> registry.load(ModelSource.of(savedModel), "tensorflow", Map.of()),
                InferenceOptions.builder().maxBatchSize(100).maxBatchDelay(Duration.ofMillis(50))
                        .classLabels(TensorFlowExample.DIGITS, null)
                        .predictionChild("predictions").deadLetterChild("dead-letters").build());
    }

    public static Topology topology(Inference inference) {
        StreamsBuilder builder = new StreamsBuilder();
        Serde<byte[]> bytes = Serdes.ByteArray();
        KStream<byte[], byte[]> scored = builder.stream(IN, Consumed.with(bytes, bytes))
                .processValues(inference.processor(), Named.as("digit-classifier"));
        scored.to(OUT, Produced.with(bytes, bytes).withName("predictions"));   // in input order, per partition
        scored.to(DLT, Produced.with(bytes, bytes).withName("dead-letters")); // the input, and why
        return builder.build();
    }

    public static void main(String[] args) throws Exception {
        try (ScratchDirectory scratch = ScratchDirectory.create("tf-streams-example")) {
            DenseNetwork net = DenseNetwork.mnistSized();
            Path model = SavedModelFixtures.denseNetwork(net, scratch.path().resolve("mnist"));
            try (Inference inference = inference(model)) {
                StreamsExampleRun.run(args, "tf-streams-example", topology(inference), 1, IN, List.of(OUT, DLT),
                        TensorFlowExample.records(net));
            }
        }
    }
}
