package io.inferstream.streams;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.model.ModelInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * How the Kafka Streams processor batches, decodes and routes its output. Every setting has a default, so
 * {@code InferenceOptions.defaults()} is a working start:
 * <pre>{@code
 * InferenceOptions options = InferenceOptions.builder()
 *         .maxBatchSize(500).maxBatchDelay(Duration.ofMillis(50))
 *         .predictionChild("predictions").deadLetterChild("dead-letters")
 *         .slots(2)                       // = num.stream.threads, for models that are not thread-safe
 *         .build();
 * }</pre>
 * The names mirror the engine's configuration keys ({@code max.batch.size}, {@code input.max.record.bytes}, ...).
 *
 * <p>Thread safety: immutable; the builder is not thread-safe.
 */
public final class InferenceOptions {
    /** Default name of the processor's changelogged buffer store (see the module README). */
    public static final String DEFAULT_BUFFER_STORE = "inferstream-buffer";

    private final int maxBatchSize;
    private final Duration maxBatchDelay;
    private final int maxRecordBytes;
    private final String predictionChild;
    private final String deadLetterChild;
    private final String shadowChild;
    private final String bufferStoreName;
    private final int slots;
    private final Function<ModelInfo, RecordDecoder> decoders;
    private final List<String> classLabels;
    private final String classOutput;
    private final int warmupRecords;
    private final Duration loadTimeout;

    private InferenceOptions(Builder b) {
        this.maxBatchSize = b.maxBatchSize;
        this.maxBatchDelay = b.maxBatchDelay;
        this.maxRecordBytes = b.maxRecordBytes;
        this.predictionChild = b.predictionChild;
        this.deadLetterChild = b.deadLetterChild;
        this.shadowChild = b.shadowChild;
        this.bufferStoreName = b.bufferStoreName;
        this.slots = b.slots;
        this.decoders = b.decoders;
        this.classLabels = List.copyOf(b.classLabels);
        this.classOutput = b.classOutput;
        this.warmupRecords = b.warmupRecords;
        this.loadTimeout = b.loadTimeout;
    }

    /** @return batches of up to 500 records or 100 ms, JSON records, predictions and dead letters to every child. */
    public static InferenceOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** @return most records buffered and scored in one pipeline call ({@code max.batch.size}). */
    public int maxBatchSize() {
        return maxBatchSize;
    }

    /** @return longest a record waits in the buffer before its batch is scored (wall-clock punctuation). */
    public Duration maxBatchDelay() {
        return maxBatchDelay;
    }

    /** @return larger record values go to the dead letters undecoded ({@code input.max.record.bytes}). */
    public int maxRecordBytes() {
        return maxRecordBytes;
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

    /** @return makes the record decoder for a model's inputs. */
    public Function<ModelInfo, RecordDecoder> decoders() {
        return decoders;
    }

    public List<String> classLabels() {
        return classLabels;
    }

    public String classOutput() {
        return classOutput;
    }

    public int warmupRecords() {
        return warmupRecords;
    }

    public Duration loadTimeout() {
        return loadTimeout;
    }

    /**
     * Builds {@link InferenceOptions}.
     *
     * <p>Thread safety: not thread-safe.
     */
    public static final class Builder {
        private int maxBatchSize = 500;
        private Duration maxBatchDelay = Duration.ofMillis(100);
        private int maxRecordBytes = 1 << 20;
        private String predictionChild;
        private String deadLetterChild;
        private String shadowChild;
        private String bufferStoreName = DEFAULT_BUFFER_STORE;
        private int slots = 1;
        private Function<ModelInfo, RecordDecoder> decoders = info -> new JsonRecordDecoder(info, Map.of(), false);
        private List<String> classLabels = List.of();
        private String classOutput = "";
        private int warmupRecords = 8;
        private Duration loadTimeout = Duration.ofMinutes(2);

        private Builder() {
        }

        /** @param size 1 to 100,000 records */
        public Builder maxBatchSize(int size) {
            if (size < 1 || size > 100_000) {
                throw new IllegalArgumentException("maxBatchSize must be 1 to 100000, was " + size);
            }
            this.maxBatchSize = size;
            return this;
        }

        /** @param delay at least 1 ms: the wall-clock punctuation interval that flushes a part-filled buffer */
        public Builder maxBatchDelay(Duration delay) {
            if (delay.toMillis() < 1) {
                throw new IllegalArgumentException("maxBatchDelay must be at least 1 ms, was " + delay);
            }
            this.maxBatchDelay = delay;
            return this;
        }

        public Builder maxRecordBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxRecordBytes must be positive, was " + bytes);
            }
            this.maxRecordBytes = bytes;
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
         * How record values are decoded; JSON objects with a field per model input by default. Use the core codecs:
         * {@code info -> new Float32RecordDecoder(info, false)} or {@code new CsvRecordDecoder(info, header, false)}.
         */
        public Builder decoders(Function<ModelInfo, RecordDecoder> decoders) {
            this.decoders = Objects.requireNonNull(decoders, "decoders");
            return this;
        }

        /** Labels for a model that outputs only a probability vector ({@code model.class.labels}). */
        public Builder classLabels(List<String> labels, String output) {
            this.classLabels = List.copyOf(labels);
            this.classOutput = output == null ? "" : output;
            return this;
        }

        /** Records a new version scores before it takes traffic ({@code model.warmup.records}). */
        public Builder warmupRecords(int records) {
            this.warmupRecords = Math.max(0, records);
            return this;
        }

        /** How long start-up may take to load the first deployment (e.g. read a model topic to its end). */
        public Builder loadTimeout(Duration timeout) {
            this.loadTimeout = Objects.requireNonNull(timeout, "loadTimeout");
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
