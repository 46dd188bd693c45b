package io.inferstream.streams;

import io.inferstream.codec.RecordDecoder;
import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.deploy.ScoringOptions;
import io.inferstream.model.ModelInfo;
import java.util.Objects;
import java.util.function.Function;

/**
 * How the Kafka Streams processor batches, decodes and routes its output: the settings every host shares
 * ({@link ScoringOptions}: batch size and delay, codec, class labels, warm-up, load timeout) plus where predictions,
 * dead letters and shadow predictions go, the buffer store and the model slots. Every setting has a default, so
 * {@code InferenceOptions.defaults()} is a working start:
 * <pre>{@code
 * InferenceOptions options = InferenceOptions.builder()
 *         .maxBatchSize(500).maxBatchDelay(Duration.ofMillis(50))
 *         .predictionChild("predictions").deadLetterChild("dead-letters")
 *         .slots(2)                       // = num.stream.threads, for models that are not thread-safe
 *         .build();
 * }</pre>
 * The names mirror the engine's configuration keys ({@code max.batch.size}, {@code input.max.record.bytes}, ...).
 * Kafka Streams never serializes its processors' options; a custom {@link Builder#decoders} function need not be
 * serializable.
 *
 * <p>Thread safety: immutable; the builder is not thread-safe.
 */
public final class InferenceOptions extends ScoringOptions {
    private static final long serialVersionUID = 1L;

    /** Default name of the processor's changelogged buffer store (see the module README). */
    public static final String DEFAULT_BUFFER_STORE = "inferstream-buffer";

    private final String predictionChild;
    private final String deadLetterChild;
    private final String shadowChild;
    private final String bufferStoreName;
    private final int slots;
    private final Function<ModelInfo, RecordDecoder> decoders;

    private InferenceOptions(Builder b) {
        super(b);
        this.predictionChild = b.predictionChild;
        this.deadLetterChild = b.deadLetterChild;
        this.shadowChild = b.shadowChild;
        this.bufferStoreName = b.bufferStoreName;
        this.slots = b.slots;
        this.decoders = b.decoders;
    }

    /** @return batches of up to 500 records or 100 ms, JSON records, predictions and dead letters to every child. */
    public static InferenceOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** @return the child node predictions are forwarded to, or null for every child. */
    public String predictionChild() {
        return predictionChild;
    }

    /** @return the child node dead letters are forwarded to, or null for every child (told apart by headers). */
    public String deadLetterChild() {
        return deadLetterChild;
    }

    /** @return the child node shadow predictions are forwarded to, or null: shadow versions are then not scored. */
    public String shadowChild() {
        return shadowChild;
    }

    /** @return the name of the buffer's state store; unique per processor in one topology. */
    public String bufferStoreName() {
        return bufferStoreName;
    }

    /** @return instances of a model that is not thread-safe: one per stream thread of this application instance. */
    public int slots() {
        return slots;
    }

    /** @return makes the record decoder for a model's inputs: the one set, else the configured codec's. */
    public Function<ModelInfo, RecordDecoder> decoders() {
        return decoders != null ? decoders : this::decoder;
    }

    /** @return how the processor's {@link io.inferstream.deploy.DeploymentManager} loads and checks versions. */
    DeploymentSettings deploymentSettings() {
        return deploymentSettings(slots, decoders(), shadowChild != null);
    }

    /**
     * Builds {@link InferenceOptions}: the shared setters of {@link ScoringOptions.Builder} and the processor's.
     *
     * <p>Thread safety: not thread-safe.
     */
    public static final class Builder extends ScoringOptions.Builder<Builder> {
        private String predictionChild;
        private String deadLetterChild;
        private String shadowChild;
        private String bufferStoreName = DEFAULT_BUFFER_STORE;
        private int slots = 1;
        private Function<ModelInfo, RecordDecoder> decoders;

        private Builder() {
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Forwards predictions only to this child (e.g. a sink added with {@code Produced.as(name)}). Needed together
         * with {@link #deadLetterChild}, since a forward without a child name reaches every child.
         */
        public Builder predictionChild(String name) {
            this.predictionChild = name;
            return this;
        }

        /** Forwards dead letters only to this child (e.g. a sink to the dead-letter topic). */
        public Builder deadLetterChild(String name) {
            this.deadLetterChild = name;
            return this;
        }

        /** Forwards shadow versions' predictions to this child; without it, shadow versions are not scored. */
        public Builder shadowChild(String name) {
            this.shadowChild = name;
            return this;
        }

        public Builder bufferStoreName(String name) {
            this.bufferStoreName = Objects.requireNonNull(name, "bufferStoreName");
            return this;
        }

        /** @param slots set to {@code num.stream.threads} when a model is not thread-safe (DL4J, H2O Deep Learning) */
        public Builder slots(int slots) {
            if (slots < 1) {
                throw new IllegalArgumentException("slots must be positive, was " + slots);
            }
            this.slots = slots;
            return this;
        }

        /**
         * How record values are decoded, in place of the codec settings ({@code inputCodec}, {@code concatenate},
         * ...): for a decoder of your own, or the engine's from its configuration,
         * {@code info -> RecordCodecs.decoder(engineConfig, info)}.
         */
        public Builder decoders(Function<ModelInfo, RecordDecoder> decoders) {
            this.decoders = Objects.requireNonNull(decoders, "decoders");
            return this;
        }

        /**
         * @throws IllegalArgumentException if dead letters go to a named child but predictions to every child
         *     (which would include the dead-letter child)
         */
        public InferenceOptions build() {
            if (deadLetterChild != null && predictionChild == null) {
                throw new IllegalArgumentException("deadLetterChild '" + deadLetterChild + "' needs predictionChild "
                        + "too: a forward without a child name reaches every child, the dead-letter one included");
            }
            return new InferenceOptions(this);
        }
    }
}
