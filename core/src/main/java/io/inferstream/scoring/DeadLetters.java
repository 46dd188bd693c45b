package io.inferstream.scoring;

import io.inferstream.model.ModelInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one dead-letter builder every host uses (the engine, the Kafka Streams processor, the Flink operator), so a
 * dead letter looks the same wherever a record failed. A dead letter carries the original key, value and headers
 * plus where the record came from and why it failed ({@link DeadLetterHeaders}), with the error message capped at
 * {@value #MAX_MESSAGE_CHARS} characters. When that would be larger than the dead-letter topic accepts (its
 * {@code max.message.bytes}, the producer's {@code max.request.size}), the original headers and then the value are
 * cut, and headers say so ({@link DeadLetterHeaders#VALUE_ORIGINAL_BYTES}, {@link DeadLetterHeaders#TRUNCATED}).
 * Otherwise one oversize record would fail its batch on every restart: a poison pill that stops the partition for
 * good.
 *
 * <p>Free of Kafka types: headers are {@link HeaderField}s, which each host converts at its edge.
 *
 * <p>Thread safety: immutable, safe to share.
 */
public final class DeadLetters {
    /** Room for Kafka's record and batch framing, counted generously. */
    public static final int FRAMING_BYTES = 512;
    /** Longest error message kept: enough to act on, never enough to crowd out the record. */
    public static final int MAX_MESSAGE_CHARS = 2_000;
    /**
     * The limit for hosts that do not know their dead-letter topic's: Kafka's default {@code max.request.size}
     * (1 MiB), below its default {@code max.message.bytes}.
     */
    public static final int KAFKA_DEFAULT_MAX_BYTES = 1_048_576;

    private final int maxBytes;

    /** Where a record was read: its topic, partition and offset. */
    public record Origin(String topic, int partition, long offset) {
    }

    /** A dead letter to write: the input's key, its value (cut if it had to be) and the headers, in order. */
    public record DeadLetter(byte[] key, byte[] value, List<HeaderField> headers) {
    }

    /** @param maxBytes the largest record the dead-letter topic and the producer accept */
    public DeadLetters(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** @return the size limit dead letters are cut to. */
    public int maxBytes() {
        return maxBytes;
    }

    /**
     * @param origin where the record was read, or null when the host cannot tell (no topic, partition and offset
     *     headers then)
     * @param key the input's key, or null
     * @param value the input's value, or null
     * @param inputHeaders the input's headers, kept unless the dead letter would not fit
     * @param stage the stage that rejected it ({@link DeadLetterHeaders#STAGE_DECODE}, ...)
     * @param error why
     * @param model name and version of the model version the record was routed to
     */
    public DeadLetter of(Origin origin, byte[] key, byte[] value, Iterable<HeaderField> inputHeaders, String stage,
            Exception error, ModelInfo model) {
        List<HeaderField> reason = new ArrayList<>(10);
        if (origin != null) {
            reason.add(utf8(DeadLetterHeaders.TOPIC, origin.topic()));
            reason.add(utf8(DeadLetterHeaders.PARTITION, Integer.toString(origin.partition())));
            reason.add(utf8(DeadLetterHeaders.OFFSET, Long.toString(origin.offset())));
        }
        reason.add(utf8(DeadLetterHeaders.STAGE, stage));
        reason.add(utf8(DeadLetterHeaders.ERROR_CLASS, error.getClass().getName()));
        String message = String.valueOf(error.getMessage());
        reason.add(utf8(DeadLetterHeaders.ERROR_MESSAGE, message.length() > MAX_MESSAGE_CHARS
                ? message.substring(0, MAX_MESSAGE_CHARS) + "... (" + message.length() + " characters)" : message));
        reason.add(utf8(DeadLetterHeaders.MODEL_NAME, model.name()));
        reason.add(utf8(DeadLetterHeaders.MODEL_VERSION, model.version()));

        List<HeaderField> headers = new ArrayList<>();
        inputHeaders.forEach(headers::add);
        headers.addAll(reason);
        if (sizeOf(key, value, headers) <= maxBytes) {
            return new DeadLetter(key, value, List.copyOf(headers));
        }
        // Too large: keep why and where first, then the key, then as much of the value as fits.
        int original = value == null ? 0 : value.length;
        reason.add(utf8(DeadLetterHeaders.VALUE_ORIGINAL_BYTES, Integer.toString(original)));
        reason.add(utf8(DeadLetterHeaders.TRUNCATED, "the original headers were dropped and the value cut to fit "
                + "the dead-letter topic's limit of " + maxBytes + " bytes"));
        int room = maxBytes - sizeOf(key, null, reason);
        byte[] kept = value == null ? null : Arrays.copyOf(value, Math.max(0, Math.min(original, room)));
        return new DeadLetter(key, kept, List.copyOf(reason));
    }

    /** @return an estimate, from above, of what a record of these parts costs against the size limits. */
    public static int sizeOf(byte[] key, byte[] value, Iterable<HeaderField> headers) {
        long n = recordSize(key, value);
        for (HeaderField h : headers) {
            n += headerSize(h.name(), h.value());
        }
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    /** @return the part of {@link #sizeOf} a record's key, value and framing make, for hosts adding their headers. */
    public static long recordSize(byte[] key, byte[] value) {
        return FRAMING_BYTES + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    }

    /** @return the part of {@link #sizeOf} one header makes (names counted as if every character took 3 bytes). */
    public static long headerSize(String name, byte[] value) {
        return 10 + name.length() * 3L + (value == null ? 0 : value.length);
    }

    private static HeaderField utf8(String name, String value) {
        return new HeaderField(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
