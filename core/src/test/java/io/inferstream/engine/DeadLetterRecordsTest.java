package io.inferstream.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.MalformedRecordException;
import io.inferstream.data.DataType;
import io.inferstream.kafka.KafkaHeaders;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelInfo;
import io.inferstream.scoring.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Dead letters always fit their topic: whole when they can be, cut (and saying so) when they cannot. */
class DeadLetterRecordsTest {
    private static final ModelInfo MODEL = ModelInfo.builder("java").name("m").version("1")
            .input(FieldSpec.scalar("x", DataType.DOUBLE)).output(FieldSpec.scalar("y", DataType.DOUBLE)).build();

    private static ConsumerRecord<byte[], byte[]> record(int valueBytes) {
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 'x');
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", "abc".getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>("in", 3, 42L, 0L, TimestampType.CREATE_TIME, 1, valueBytes, "k".getBytes(StandardCharsets.UTF_8),
                value, headers, Optional.empty());
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String key) {
        return r.headers().lastHeader(key) == null ? null
                : new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aDeadLetterThatFitsKeepsEverything() {
        ConsumerRecord<byte[], byte[]> in = record(1000);
        ProducerRecord<byte[], byte[]> out = new DeadLetterRecords("dlt", 1 << 20)
                .of(in, DeadLetterHeaders.STAGE_DECODE, new MalformedRecordException("not JSON"), MODEL);
        assertArrayEquals(in.value(), out.value());
        assertEquals("abc", header(out, "trace"), "original headers kept");
        assertEquals("in", header(out, DeadLetterHeaders.TOPIC));
        assertEquals("3", header(out, DeadLetterHeaders.PARTITION));
        assertEquals("42", header(out, DeadLetterHeaders.OFFSET));
        assertNull(header(out, DeadLetterHeaders.TRUNCATED));
        assertEquals("m", header(out, DeadLetterHeaders.MODEL_NAME));
        assertEquals("1", header(out, DeadLetterHeaders.MODEL_VERSION));
    }

    @Test
    void aDeadLetterTooLargeForItsTopicIsCutToFitAndSaysSo() {
        int limit = 64 * 1024;
        ConsumerRecord<byte[], byte[]> in = record(1_000_000);
        ProducerRecord<byte[], byte[]> out = new DeadLetterRecords("dlt", limit)
                .of(in, DeadLetterHeaders.STAGE_DECODE, new MalformedRecordException("x".repeat(10_000)), MODEL);
        assertTrue(KafkaHeaders.sizeOf(out.key(), out.value(), out.headers()) <= limit, "fits the topic");
        assertTrue(out.value().length > 60_000, "keeps as much of the value as fits: " + out.value().length);
        assertEquals("1000000", header(out, DeadLetterHeaders.VALUE_ORIGINAL_BYTES));
        assertTrue(header(out, DeadLetterHeaders.TRUNCATED).contains("limit of 65536 bytes"));
        assertNull(header(out, "trace"), "original headers dropped first");
        assertEquals("decode", header(out, DeadLetterHeaders.STAGE));
        assertTrue(header(out, DeadLetterHeaders.ERROR_MESSAGE).endsWith("... (10000 characters)"),
                "long messages are cut too");
        assertArrayEquals("k".getBytes(StandardCharsets.UTF_8), out.key());
    }
}
