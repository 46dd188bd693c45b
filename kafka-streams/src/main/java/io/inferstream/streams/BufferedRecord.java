package io.inferstream.streams;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * A record waiting in the processor's buffer, with what a dead letter must say about where it came from (source
 * topic, partition, offset), captured when it arrived because the processor context only knows the current record.
 * It round-trips through the buffer's changelogged store, so a buffer restored after a crash or a task move scores
 * and dead-letters exactly as the original would have.
 *
 * <p>Thread safety: immutable (the byte arrays are not copied: do not change them).
 */
final class BufferedRecord {
    private static final int FORMAT = 1;

    final byte[] key;
    final byte[] value;
    final long timestamp;
    final Headers headers;
    final String topic; // null when the record did not come from a topic (e.g. forwarded by a punctuator)
    final int partition;
    final long offset;

    BufferedRecord(byte[] key, byte[] value, long timestamp, Headers headers, String topic, int partition, long offset) {
        this.key = key;
        this.value = value;
        this.timestamp = timestamp;
        this.headers = headers;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    /**
     * @return the record in the buffer store's format, written straight into one array of the exact size: the
     *     value is most of it (8 KB and more for JSON tensors), so it is copied once, not twice
     */
    byte[] encode() {
        Header[] all = headers.toArray();
        byte[] topicUtf = topic == null ? null : shortString(topic);
        int size = 1 + sizeOf(key) + sizeOf(value) + Long.BYTES + 1 + (topicUtf == null ? 0 : topicUtf.length)
                + Integer.BYTES + Long.BYTES + Integer.BYTES;
        byte[][] headerKeys = new byte[all.length][];
        for (int i = 0; i < all.length; i++) {
            headerKeys[i] = shortString(all[i].key());
            size += headerKeys[i].length + sizeOf(all[i].value());
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) FORMAT);
        putBytes(out, key);
        putBytes(out, value);
        out.putLong(timestamp);
        out.put((byte) (topicUtf == null ? 0 : 1));
        if (topicUtf != null) {
            out.put(topicUtf);
        }
        out.putInt(partition);
        out.putLong(offset);
        out.putInt(all.length);
        for (int i = 0; i < all.length; i++) {
            out.put(headerKeys[i]);
            putBytes(out, all[i].value());
        }
        return out.array();
    }

    private static int sizeOf(byte[] b) {
        return Integer.BYTES + (b == null ? 0 : b.length);
    }

    private static void putBytes(ByteBuffer out, byte[] b) {
        out.putInt(b == null ? -1 : b.length);
        if (b != null) {
            out.put(b);
        }
    }

    /**
     * @return {@code s} as {@link DataOutputStream#writeUTF} writes it (length prefix, modified UTF-8), which
     *     {@link #decode} reads back: ASCII directly (topic names, almost every header key), anything else through
     *     writeUTF itself
     */
    private static byte[] shortString(String s) {
        int n = s.length();
        boolean ascii = n <= 0xFFFF;
        for (int i = 0; i < n && ascii; i++) {
            char c = s.charAt(i);
            ascii = c >= 1 && c <= 0x7F;
        }
        if (ascii) {
            byte[] b = new byte[2 + n];
            b[0] = (byte) (n >>> 8);
            b[1] = (byte) n;
            for (int i = 0; i < n; i++) {
                b[2 + i] = (byte) s.charAt(i);
            }
            return b;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(2 + 3 * n);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(s);
        } catch (IOException e) {
            throw new UncheckedIOException("a header key or topic name over 65,535 bytes cannot be buffered", e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalStateException if the bytes were not written by {@link #encode()} of this format */
    static BufferedRecord decode(byte[] encoded) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalStateException("buffered record of unknown format " + format
                        + " (written by a newer inferstream-kafka-streams?)");
            }
            byte[] key = readBytes(in);
            byte[] value = readBytes(in);
            long timestamp = in.readLong();
            String topic = in.readBoolean() ? in.readUTF() : null;
            int partition = in.readInt();
            long offset = in.readLong();
            int count = in.readInt();
            Headers headers = new RecordHeaders();
            for (int i = 0; i < count; i++) {
                headers.add(in.readUTF(), readBytes(in));
            }
            return new BufferedRecord(key, value, timestamp, headers, topic, partition, offset);
        } catch (IOException e) {
            throw new IllegalStateException("corrupt buffered record in the buffer store", e);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
