package io.inferstream.deploy;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.config.EngineConfig;
import io.inferstream.model.ModelInfo;
import java.io.Serializable;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What every host that runs the {@link ScoringPipeline} inside someone else's stream processor (the Kafka Streams
 * processor, the Flink operator) needs to know: how large and how old a batch may grow, how record values are decoded,
 * which class labels apply, how a version is warmed up and how long the first load may take. The names mirror the
 * engine's configuration keys ({@code max.batch.size}, {@code max.batch.delay.ms}, {@code input.codec},
 * {@code input.concat.<input>}, {@code input.max.record.bytes}, {@code model.class.labels}, ...).
 *
 * <p>Each host extends this class with its own options and extends {@link Builder} with its own setters, so a
 * user writes one fluent chain. Serializable (Flink ships its options to every subtask): every value here is.
 *
 * <p>Thread safety: immutable; builders are not thread-safe.
 */
public abstract class ScoringOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int maxBatchSize;
    private final Duration maxBatchDelay;
    private final int maxRecordBytes;
    private final String inputCodec;
    private final List<String> csvHeader;
    private final Map<String, List<String>> concatenations;
    private final boolean allowNonFinite;
    private final List<String> classLabels;
    private final String classOutput;
    private final int warmupRecords;
    private final Duration loadTimeout;

    protected ScoringOptions(Builder<?> b) {
        this.maxBatchSize = b.maxBatchSize;
        this.maxBatchDelay = b.maxBatchDelay;
        this.maxRecordBytes = b.maxRecordBytes;
        this.inputCodec = b.inputCodec;
        this.csvHeader = List.copyOf(b.csvHeader);
        // In the order given, as the engine's input.concat keys keep theirs (it orders the decoder's messages).
        this.concatenations = Collections.unmodifiableMap(new LinkedHashMap<>(b.concatenations));
        this.allowNonFinite = b.allowNonFinite;
        this.classLabels = List.copyOf(b.classLabels);
        this.classOutput = b.classOutput;
        this.warmupRecords = b.warmupRecords;
        this.loadTimeout = b.loadTimeout;
    }

    /** @return most records buffered and scored in one pipeline call ({@code max.batch.size}). */
    public int maxBatchSize() {
        return maxBatchSize;
    }

    /**
     * @return longest a record waits in the buffer before its part-filled batch is scored ({@code max.batch.delay.ms};
     *     the host's own timer: wall-clock punctuation in Kafka Streams, a processing-time timer in Flink)
     */
    public Duration maxBatchDelay() {
        return maxBatchDelay;
    }

    /** @return larger record values go to the dead letters undecoded ({@code input.max.record.bytes}). */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** @return {@code json}, {@code csv} or {@code float32} ({@code input.codec}). */
    public String inputCodec() {
        return inputCodec;
    }

    /** @return the CSV columns' names ({@code input.csv.header}); empty: the model's inputs in order. */
    public List<String> csvHeader() {
        return csvHeader;
    }

    /** @return JSON only: model input to the scalar fields joined into it ({@code input.concat.<input>}). */
    public Map<String, List<String>> concatenations() {
        return concatenations;
    }

    /** @return whether NaN and infinities reach the model ({@code input.allow.nan}). */
    public boolean allowNonFinite() {
        return allowNonFinite;
    }

    /** @return labels for a model that outputs only a probability vector ({@code model.class.labels}). */
    public List<String> classLabels() {
        return classLabels;
    }

    /** @return the output holding those probabilities ({@code model.class.output}), or empty. */
    public String classOutput() {
        return classOutput;
    }

    /** @return rows a new version scores before it takes traffic ({@code model.warmup.records}). */
    public int warmupRecords() {
        return warmupRecords;
    }

    /** @return how long start-up may take to load the first deployment (e.g. read a model topic to its end). */
    public Duration loadTimeout() {
        return loadTimeout;
    }

    /**
     * @return the configured codec's decoder for a model's inputs
     * @throws IllegalArgumentException if the codec cannot feed that model
     */
    public RecordDecoder decoder(ModelInfo info) {
        return RecordCodecs.decoder(inputCodec, info, concatenations, csvHeader, allowNonFinite);
    }

    /**
     * @param slots threads that score against one deployment (a model that is not thread-safe is loaded this often)
     * @param decoders how records are decoded for a model, usually {@code this::decoder}
     * @param shadowsEnabled whether the host has somewhere to write shadow predictions
     * @return what a {@link DeploymentManager} of this host needs to load and check versions
     */
    public DeploymentSettings deploymentSettings(int slots, Function<ModelInfo, RecordDecoder> decoders,
            boolean shadowsEnabled) {
        return new DeploymentSettings(slots, decoders, classLabels, classOutput, warmupRecords, List.of(),
                shadowsEnabled);
    }

    /**
     * The setters every host shares; a host's builder extends it (with itself as {@code B}) and adds its own.
     *
     * <p>Thread safety: not thread-safe.
     *
     * @param <B> the host's builder, returned by every setter so that one chain mixes shared and host setters
     */
    public abstract static class Builder<B extends Builder<B>> {
        private int maxBatchSize = 500;
        private Duration maxBatchDelay = Duration.ofMillis(100);
        private int maxRecordBytes = 1 << 20;
        private String inputCodec = "json";
        private List<String> csvHeader = List.of();
        private Map<String, List<String>> concatenations = new LinkedHashMap<>();
        private boolean allowNonFinite;
        private List<String> classLabels = List.of();
        private String classOutput = "";
        private int warmupRecords = 8;
        private Duration loadTimeout = Duration.ofMinutes(2);

        protected Builder() {
        }

        /** @return this builder as the host's type. */
        protected abstract B self();

        /** @param size 1 to 100,000 records */
        public B maxBatchSize(int size) {
            if (size < 1 || size > 100_000) {
                throw new IllegalArgumentException("maxBatchSize must be 1 to 100000, was " + size);
            }
            this.maxBatchSize = size;
            return self();
        }

        /** @param delay at least 1 ms: how long the host's timer lets a part-filled buffer wait */
        public B maxBatchDelay(Duration delay) {
            if (delay.toMillis() < 1) {
                throw new IllegalArgumentException("maxBatchDelay must be at least 1 ms, was " + delay);
            }
            this.maxBatchDelay = delay;
            return self();
        }

        public B maxRecordBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxRecordBytes must be positive, was " + bytes);
            }
            this.maxRecordBytes = bytes;
            return self();
        }

        /** @param codec {@code json} (default), {@code float32}, or {@code csv} (see {@link #csvHeader}) */
        public B inputCodec(String codec) {
            if (!EngineConfig.CODECS.contains(codec)) {
                throw new IllegalArgumentException("inputCodec is one of " + EngineConfig.CODECS + ", not '" + codec
                        + "'");
            }
            this.inputCodec = codec;
            return self();
        }

        /** @param columns the CSV columns' names, in order ({@code input.csv.header}); empty: the model's inputs */
        public B csvHeader(List<String> columns) {
            this.csvHeader = List.copyOf(columns);
            return self();
        }

        /**
         * Joins scalar JSON fields into one tensor input, as {@code input.concat.<input>=f0,f1,...} does for the
         * engine: for models trained on a vector whose records arrive as named columns.
         *
         * @param input the model input to feed
         * @param fields the record's fields, in the vector's order (at least one)
         */
        public B concatenate(String input, List<String> fields) {
            if (fields.isEmpty()) {
                throw new IllegalArgumentException("concatenate " + input + ": list the fields to join");
            }
            this.concatenations.put(Objects.requireNonNull(input, "input"), List.copyOf(fields));
            return self();
        }

        /** @param allow let NaN and infinities through to the model ({@code input.allow.nan}) */
        public B allowNonFinite(boolean allow) {
            this.allowNonFinite = allow;
            return self();
        }

        /** Labels for a model that outputs only a probability vector ({@code model.class.labels}). */
        public B classLabels(List<String> labels, String output) {
            this.classLabels = List.copyOf(labels);
            this.classOutput = output == null ? "" : output;
            return self();
        }

        /** Records a new version scores before it takes traffic ({@code model.warmup.records}). */
        public B warmupRecords(int records) {
            this.warmupRecords = Math.max(0, records);
            return self();
        }

        /** How long start-up may take to load the first deployment (e.g. read a model topic to its end). */
        public B loadTimeout(Duration timeout) {
            this.loadTimeout = Objects.requireNonNull(timeout, "loadTimeout");
            return self();
        }
    }
}
