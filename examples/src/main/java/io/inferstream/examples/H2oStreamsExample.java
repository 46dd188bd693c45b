package io.inferstream.examples;

import io.inferstream.h2o.fixtures.MojoFixtures;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.streams.Inference;
import io.inferstream.streams.InferenceOptions;
import io.inferstream.streams.InferenceSerdes;
import io.inferstream.streams.ScoredPrediction;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * An H2O GBM MOJO (binomial, with a categorical column, trained by H2O itself) inside a Kafka Streams app, with a
 * step after the model: each prediction is turned into a small decision record ({@code {"label":..,"p":..}}, the
 * label and its probability) for the topic {@code cars-decisions}. Cars it cannot score (an unseen colour, a typo in a
 * number) go to {@code cars-dlt}. {@link #inference} and {@link #topology} are the whole app.
 *
 * <p>Run: {@code bin/example kafka-streams h2o [bootstrap-servers]}.
 *
 * <p>Thread safety: a program, run on its main thread; the topology is Kafka Streams'.
 */
public final class H2oStreamsExample {
    static final String IN = "cars";
    static final String OUT = "cars-decisions";
    static final String DLT = "cars-dlt";

    private H2oStreamsExample() {
    }

    /** Loads the MOJO once per application instance (tree MOJOs are thread-safe); an unseen colour is an error. */
    public static Inference inference(ModelSource mojo) throws ModelLoadException {
        ModelRegistry registry = ModelRegistry.discover();
        return Inference.start(() -> registry.load(mojo, null, Map.of("unknown.categorical", "reject")),
                InferenceOptions.builder().predictionChild("decide").deadLetterChild("dead-letters").build());
    }

    public static Topology topology(Inference inference) {
        Serde<byte[]> bytes = Serdes.ByteArray();
        Deserializer<ScoredPrediction> predictions = InferenceSerdes.prediction().deserializer();
        StreamsBuilder builder = new StreamsBuilder();
        KStream<byte[], byte[]> scored = builder.stream(IN, Consumed.with(bytes, bytes))
                .processValues(inference.processor(), Named.as("car-classifier"));
        scored.mapValues(json -> decision(predictions.deserialize(OUT, json)), Named.as("decide"))
                .to(OUT, Produced.with(bytes, Serdes.String()).withName("decisions"));
        scored.to(DLT, Produced.with(bytes, bytes).withName("dead-letters"));
        return builder.build();
    }

    static String decision(ScoredPrediction p) {
        String label = p.label().orElseThrow();
        return "{\"label\":\"" + label + "\",\"p\":" + p.probabilities().get(label) + "}";
    }

    public static void main(String[] args) throws Exception {
        try (Inference inference = inference(MojoFixtures.source("gbm_binomial"))) {
            StreamsExampleRun.run(args, "h2o-streams-example", topology(inference), 1, IN, List.of(OUT, DLT),
                    H2oExample.RECORDS);
        }
    }
}
