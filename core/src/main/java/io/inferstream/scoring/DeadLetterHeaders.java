package io.inferstream.scoring;

/**
 * Header names on dead-letter records (values are UTF-8 text) and on predictions.
 *
 * <p>A dead-letter record keeps the original key, value and headers, and adds where it came from and why:
 * {@link #TOPIC}, {@link #PARTITION}, {@link #OFFSET}, {@link #STAGE} ({@code decode}: the value could not be
 * parsed or was null or too big; {@code validate}: it parsed but does not fit the model's inputs;
 * {@code predict}: the model rejected it; {@code output}: its prediction is larger than the output topic accepts; {@code delivery}: on a share group, it
 * reached the group's delivery limit without being acknowledged),
 * {@link #ERROR_CLASS} and {@link #ERROR_MESSAGE}. A dead letter that would not fit the dead-letter topic keeps
 * only these headers and as much of the value as fits, and says so in {@link #VALUE_ORIGINAL_BYTES} and
 * {@link #TRUNCATED}.
 *
 * <p>Thread safety: constants only.
 */
public final class DeadLetterHeaders {
    public static final String TOPIC = "inferstream.dlt.topic";
    public static final String PARTITION = "inferstream.dlt.partition";
    public static final String OFFSET = "inferstream.dlt.offset";
    public static final String STAGE = "inferstream.dlt.stage";
    public static final String ERROR_CLASS = "inferstream.dlt.error.class";
    public static final String ERROR_MESSAGE = "inferstream.dlt.error.message";
    /** On a dead letter whose value was cut to fit the topic: the original value's size in bytes. */
    public static final String VALUE_ORIGINAL_BYTES = "inferstream.dlt.value.original.bytes";
    /** On a dead letter that was cut to fit the topic: what was dropped and why. */
    public static final String TRUNCATED = "inferstream.dlt.truncated";
    /** On predictions and dead letters: the model's name. */
    public static final String MODEL_NAME = "inferstream.model.name";
    /** On predictions and dead letters: the model's version. */
    public static final String MODEL_VERSION = "inferstream.model.version";

    /** Dead-letter stage: the value could not be parsed, or was null or oversize. */
    public static final String STAGE_DECODE = "decode";
    /** Dead-letter stage: the value parsed but does not fit the model's inputs. */
    public static final String STAGE_VALIDATE = "validate";
    /** Dead-letter stage: the model rejected the record. */
    public static final String STAGE_PREDICT = "predict";
    /** Dead-letter stage: the prediction was made but is larger than the output topic accepts. */
    public static final String STAGE_OUTPUT = "output";
    /**
     * Dead-letter stage: on a share group, the record reached the group's {@code share.delivery.count.limit} (its
     * earlier deliveries were never acknowledged: a crash, a lock timeout, releases), so it was not scored again.
     */
    public static final String STAGE_DELIVERY = "delivery";

    private DeadLetterHeaders() {
    }
}
