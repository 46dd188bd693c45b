package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** The buffer-store encoding of a record, and the per-thread model slots. */
class BufferedRecordTest {
    @Test
    void aRecordRoundTripsThroughTheStoreEncodingWithNullsAndHeaders() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", "abc".getBytes(StandardCharsets.UTF_8));
        headers.add("empty", null);
        headers.add("clé-\u0000-\uD83D\uDE00", new byte[] {7}); // not ASCII: NUL and a supplementary character
        BufferedRecord r = BufferedRecord.decode(new BufferedRecord(null, new byte[] {1, 2}, 42L, headers, "events", 3,
                1_000_000_000_000L).encode());
        assertNull(r.key);
        assertArrayEquals(new byte[] {1, 2}, r.value);
        assertEquals(42L, r.timestamp);
        assertEquals("events", r.topic);
        assertEquals(3, r.partition);
        assertEquals(1_000_000_000_000L, r.offset);
        assertEquals("abc", new String(r.headers.lastHeader("trace").value(), StandardCharsets.UTF_8));
        assertNull(r.headers.lastHeader("empty").value());
        assertArrayEquals(new byte[] {7}, r.headers.lastHeader("clé-\u0000-\uD83D\uDE00").value());

        BufferedRecord noSource = BufferedRecord.decode(new BufferedRecord(new byte[0], null, 0L, new RecordHeaders(),
                null, -1, -1L).encode());
        assertNull(noSource.topic);
        assertNull(noSource.value);
        assertEquals(0, noSource.key.length);
    }

    @Test
    void anUnknownFormatIsAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BufferedRecord.decode(new byte[] {9}));
        assertTrue(e.getMessage().contains("unknown format 9"), e.getMessage());
    }

    @Test
    void eachThreadGetsItsOwnSlotAndASharedModelMayExceedThem() throws Exception {
        SlotAllocator slots = new SlotAllocator(2);
        Thread a = new Thread(() -> { });
        Thread b = new Thread(() -> { });
        Thread c = new Thread(() -> { });
        assertEquals(0, slots.acquire(a, false));
        assertEquals(0, slots.acquire(a, false), "a second task on the same thread shares its slot");
        assertEquals(1, slots.acquire(b, false));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> slots.acquire(c, false));
        assertTrue(e.getMessage().contains("set it to num.stream.threads"), e.getMessage());
        assertTrue(slots.acquire(c, true) >= 2, "a thread-safe model is shared whatever the slot");
        slots.release(c);
        slots.release(a);
        slots.release(a);
        assertEquals(0, slots.acquire(c, false), "a's slot is free once both its processors closed");
    }
}
