package io.inferstream.flink;

import io.inferstream.codec.CsvRecordDecoder;
import io.inferstream.codec.Float32RecordDecoder;
import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.model.ModelInfo;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the Flink operator batches, decodes and retries. Serializable, since Flink ships it to every subtask. Every
 * setting has a default, so {@code InferenceOptions.defaults()} is a working start:
 * <pre>{@code
 * InferenceOptions options = InferenceOptions.builder()
 *         .maxBatchSize(500).maxBatchDelay(Duration.ofMillis(50))
 *         .build();
 * }</pre>
 * The names mirror the engine's configuration keys ({@code max.batch.size}, {@code max.batch.delay.ms},
 * {@code input.codec}, {@code input.max.record.bytes}, {@code model.class.labels}, ...).
 *
 * <p>Thread safety: immutable; the builder is not thread-safe.
 */
public final class InferenceOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int maxBatchSize;
    private final Duration maxBatchDelay;
    private final int maxRecordBytes;
    private final String inputCodec;
    private final List<String> csvHeader;
    private final boolean allowNonFinite;
    private final List<String> classLabels;
    private final String classOutput;
    private final int warmupRecords;
    private final Duration loadTimeout;
    private final int asyncConcurrency;
    private final Duration asyncTimeout;
    private final int retryAttempts;
    private final Duration retryInitialBackoff;
    private final Duration retryMaxBackoff;

    private InferenceOptions(Builder b) {
        this.maxBatchSize = b.maxBatchSize;
        this.maxBatchDelay = b.maxBatchDelay;
        this.maxRecordBytes = b.maxRecordBytes;
        this.inputCodec = b.inputCodec;
        this.csvHeader = List.copyOf(b.csvHeader);
        this.allowNonFinite = b.allowNonFinite;
        this.classLabels = List.copyOf(b.classLabels);
        this.classOutput = b.classOutput;
        this.warmupRecords = b.warmupRecords;
        this.loadTimeout = b.loadTimeout;
        this.asyncConcurrency = b.asyncConcurrency;
        this.asyncTimeout = b.asyncTimeout;
        this.retryAttempts = b.retryAttempts;
        this.retryInitialBackoff = b.retryInitialBackoff;
        this.retryMaxBackoff = b.retryMaxBackoff;
    }

    /** @return batches of up to 500 records or 100 ms, JSON records. */
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

    /** @return longest a record waits in the buffer (a processing-time timer, {@code max.batch.delay.ms}). */
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

    /** @return in-flight batches per subtask in the async variant; a model that is not thread-safe is loaded this often. */
    public int asyncConcurrency() {
        return asyncConcurrency;
    }

    /** @return how long one async batch (with its retries) may take before the job fails over. */
    public Duration asyncTimeout() {
        return asyncTimeout;
    }

    /** @return attempts of a batch whose model answered "retry later" (async variant), the first included. */
    public int retryAttempts() {
        return retryAttempts;
    }

    /** @return the first retry's delay; each next one doubles, up to {@link #retryMaxBackoff()}. */
    public Duration retryInitialBackoff() {
        return retryInitialBackoff;
    }

    public Duration retryMaxBackoff() {
        return retryMaxBackoff;
    }

    public Duration loadTimeout() {
        return loadTimeout;
    }

    /** @return how a subtask's {@link io.inferstream.deploy.DeploymentManager} loads and checks versions. */
    DeploymentSettings deploymentSettings(int slots) {
        return new DeploymentSettings(slots, this::decoder, classLabels, classOutput, warmupRecords, List.of(), false);
    }

    /**
     * @return the configured codec's decoder for a model's inputs
     * @throws IllegalArgumentException if the codec cannot feed that model
     */
    RecordDecoder decoder(ModelInfo info) {
        switch (inputCodec) {
            case "csv":
                return new CsvRecordDecoder(info, csvHeader, allowNonFinite);
            case "float32":
                return new Float32RecordDecoder(info, allowNonFinite);
            default:
                return new JsonRecordDecoder(info, Map.of(), allowNonFinite);
        }
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
        private String inputCodec = "json";
        private List<String> csvHeader = List.of();
        private boolean allowNonFinite;
        private List<String> classLabels = List.of();
        private String classOutput = "";
        private int warmupRecords = 8;
        private Duration loadTimeout = Duration.ofMinutes(2);
        private int asyncConcurrency = 1;
        private Duration asyncTimeout = Duration.ofMinutes(2);
        private int retryAttempts = 10;
        private Duration retryInitialBackoff = Duration.ofMillis(100);
        private Duration retryMaxBackoff = Duration.ofSeconds(5);

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

        /** @param delay at least 1 ms: the processing-time timer that flushes a part-filled buffer */
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

        /** @param codec {@code json} (default), {@code float32}, or {@code csv} (see {@link #csvHeader}) */
        public Builder inputCodec(String codec) {
            if (!List.of("json", "csv", "float32").contains(codec)) {
                throw new IllegalArgumentException("inputCodec is json, csv or float32, not '" + codec + "'");
            }
            this.inputCodec = codec;
            return this;
        }

        /** @param columns the CSV columns' names, in order ({@code input.csv.header}); empty: the model's inputs */
        public Builder csvHeader(List<String> columns) {
            this.csvHeader = new ArrayList<>(columns);
            return this;
        }

        /** @param allow let NaN and infinities through to the model ({@code input.allow.nan}) */
        public Builder allowNonFinite(boolean allow) {
            this.allowNonFinite = allow;
            return this;
        }

        /** @param labels class labels for a probability output ({@code model.class.labels}) */
        public Builder classLabels(List<String> labels, String output) {
            this.classLabels = new ArrayList<>(labels);
            this.classOutput = output == null ? "" : output;
            return this;
        }

        /** @param rows rows scored before a version takes traffic */
        public Builder warmupRecords(int rows) {
            this.warmupRecords = Math.max(0, rows);
            return this;
        }

        public Builder loadTimeout(Duration timeout) {
            this.loadTimeout = timeout;
            return this;
        }

        /** @param batches in-flight batches per subtask in the async variant, at least 1 */
        public Builder asyncConcurrency(int batches) {
            if (batches < 1) {
                throw new IllegalArgumentException("asyncConcurrency must be at least 1, was " + batches);
            }
            this.asyncConcurrency = batches;
            return this;
        }

        public Builder asyncTimeout(Duration timeout) {
            this.asyncTimeout = timeout;
            return this;
        }

        /**
         * @param attempts attempts of a batch the model could not answer now, the first included (at least 1)
         * @param initial the first retry's delay; each next one doubles
         * @param max the longest delay between attempts
         */
        public Builder retry(int attempts, Duration initial, Duration max) {
            if (attempts < 1) {
                throw new IllegalArgumentException("retry attempts must be at least 1, was " + attempts);
            }
            this.retryAttempts = attempts;
            this.retryInitialBackoff = initial;
            this.retryMaxBackoff = max;
            return this;
        }

        public InferenceOptions build() {
            return new InferenceOptions(this);
        }
    }
}
