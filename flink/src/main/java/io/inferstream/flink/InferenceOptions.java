package io.inferstream.flink;

import io.inferstream.deploy.DeploymentSettings;
import io.inferstream.deploy.ScoringOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How the Flink operator batches, decodes and retries: the settings every host shares
 * ({@link ScoringOptions}: batch size and delay, codec, class labels, warm-up, load timeout) plus the async
 * variant's concurrency, timeout and retries. Serializable, since Flink ships it to every subtask. Every setting has
 * a default, so {@code InferenceOptions.defaults()} is a working start:
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
public final class InferenceOptions extends ScoringOptions {
    private static final long serialVersionUID = 3L;

    private final int asyncConcurrency;
    private final Duration asyncTimeout;
    private final int retryAttempts;
    private final Duration retryInitialBackoff;
    private final Duration retryMaxBackoff;
    private final RecordDecoderFactory decoders;

    private InferenceOptions(Builder b) {
        super(b);
        this.asyncConcurrency = b.asyncConcurrency;
        this.asyncTimeout = b.asyncTimeout;
        this.retryAttempts = b.retryAttempts;
        this.retryInitialBackoff = b.retryInitialBackoff;
        this.retryMaxBackoff = b.retryMaxBackoff;
        this.decoders = b.decoders;
    }

    /** @return batches of up to 500 records or 100 ms, JSON records. */
    public static InferenceOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** @return in-flight batches per subtask in the async variant; a model that is not thread-safe is loaded this often. */
    public int asyncConcurrency() {
        return asyncConcurrency;
    }

    /** @return how long one async batch (with its retries) may take before the job fails over. */
    public Duration asyncTimeout() {
        return asyncTimeout;
    }

    /**
     * @return attempts of a batch that could not be scored now (the model answered "retry later", the schema registry
     *     was down), the first included: the batching operator holds the batch in place, the async variant retries it
     */
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

    /** @return makes the record decoder for a model's inputs: the one set, else the codec settings' decoder. */
    public RecordDecoderFactory decoders() {
        return decoders != null ? decoders : this::decoder;
    }

    /** @return how a subtask's {@link io.inferstream.deploy.DeploymentManager} loads and checks versions. */
    DeploymentSettings deploymentSettings(int slots) {
        // No shadow output here: shadow versions are not scored.
        return deploymentSettings(slots, decoders(), false);
    }

    /**
     * Builds {@link InferenceOptions}: the shared setters of {@link ScoringOptions.Builder} and the async variant's.
     *
     * <p>Thread safety: not thread-safe.
     */
    public static final class Builder extends ScoringOptions.Builder<Builder> {
        private int asyncConcurrency = 1;
        private Duration asyncTimeout = Duration.ofMinutes(2);
        private int retryAttempts = 10;
        private Duration retryInitialBackoff = Duration.ofMillis(100);
        private Duration retryMaxBackoff = Duration.ofSeconds(5);
        private RecordDecoderFactory decoders;

        private Builder() {
        }

        @Override
        protected Builder self() {
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
            this.asyncTimeout = Objects.requireNonNull(timeout, "asyncTimeout");
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
            this.retryInitialBackoff = Objects.requireNonNull(initial, "initial");
            this.retryMaxBackoff = Objects.requireNonNull(max, "max");
            return this;
        }

        /**
         * How record values are decoded, in place of the codec settings ({@code inputCodec}, {@code concatenate},
         * ...): the engine's codecs from its keys ({@link RecordDecoderFactory#engineCodec}, for Avro and Protobuf
         * records), or a decoder of your own.
         */
        public Builder decoders(RecordDecoderFactory decoders) {
            this.decoders = Objects.requireNonNull(decoders, "decoders");
            return this;
        }

        public InferenceOptions build() {
            return new InferenceOptions(this);
        }
    }
}
