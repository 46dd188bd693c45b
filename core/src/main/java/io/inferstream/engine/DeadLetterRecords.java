package io.inferstream.engine;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds dead-letter records that are always writable. A dead letter carries the original key, value and headers
 * plus where the record came from and why it failed ({@link DeadLetterHeaders}); when that would be larger than the
 * dead-letter topic accepts (its {@code max.message.bytes}, the producer's {@code max.request.size}), the original
 * headers and then the value are cut, and headers say so ({@link DeadLetterHeaders#VALUE_ORIGINAL_BYTES},
 * {@link DeadLetterHeaders#TRUNCATED}). Otherwise one oversize record would fail its batch on every restart: a
 * poison pill that stops the partition for good.
 *
 * <p>Thread safety: immutable, safe to share.
 */
final class DeadLetterRecords {
    /** Room for Kafka's record and batch framing, counted generously. */
    static final int FRAMING_BYTES = 512;
    /** Longest error message kept: enough to act on, never enough to crowd out the record. */
    static final int MAX_MESSAGE_CHARS = 2_000;

    private final String topic;
    private final int maxBytes;

    /**
     * @param topic the dead-letter topic
     * @param maxBytes the largest record the topic and the producer accept
     */
    DeadLetterRecords(String topic, int maxBytes) {
        this.topic = topic;
        this.maxBytes = maxBytes;
    }

    /** @return an estimate, from above, of what a record of these parts costs against the size limits. */
    static int sizeOf(byte[] key, byte[] value, Headers headers) {
        long n = FRAMING_BYTES + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (Header h : headers) {
            n += 10 + h.key().length() * 3L + (h.value() == null ? 0 : h.value().length);
        }
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    ProducerRecord<byte[], byte[]> of(ConsumerRecord<byte[], byte[]> in, String stage, Exception error,
            byte[] modelName, byte[] modelVersion) {
        Headers reason = new RecordHeaders();
        reason.add(DeadLetterHeaders.TOPIC, utf8(in.topic()));
        reason.add(DeadLetterHeaders.PARTITION, utf8(Integer.toString(in.partition())));
        reason.add(DeadLetterHeaders.OFFSET, utf8(Long.toString(in.offset())));
        reason.add(DeadLetterHeaders.STAGE, utf8(stage));
        reason.add(DeadLetterHeaders.ERROR_CLASS, utf8(error.getClass().getName()));
        String message = String.valueOf(error.getMessage());
        reason.add(DeadLetterHeaders.ERROR_MESSAGE, utf8(message.length() > MAX_MESSAGE_CHARS
                ? message.substring(0, MAX_MESSAGE_CHARS) + "... (" + message.length() + " characters)" : message));
        reason.add(DeadLetterHeaders.MODEL_NAME, modelName);
        reason.add(DeadLetterHeaders.MODEL_VERSION, modelVersion);

        Headers headers = new RecordHeaders(in.headers().toArray());
        reason.forEach(headers::add);
        byte[] value = in.value();
        if (sizeOf(in.key(), value, headers) <= maxBytes) {
            return new ProducerRecord<>(topic, null, in.key(), value, headers);
        }
        // Too large: keep why and where first, then the key, then as much of the value as fits.
        headers = new RecordHeaders(reason.toArray());
        int original = value == null ? 0 : value.length;
        headers.add(DeadLetterHeaders.VALUE_ORIGINAL_BYTES, utf8(Integer.toString(original)));
        headers.add(DeadLetterHeaders.TRUNCATED, utf8("the original headers were dropped and the value cut to fit "
                + "the dead-letter topic's limit of " + maxBytes + " bytes"));
        int room = maxBytes - sizeOf(in.key(), null, headers);
        byte[] kept = value == null ? null : Arrays.copyOf(value, Math.max(0, Math.min(original, room)));
        return new ProducerRecord<>(topic, null, in.key(), kept, headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
