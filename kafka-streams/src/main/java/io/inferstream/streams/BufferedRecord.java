package io.inferstream.streams;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + (value == null ? 0 : value.length));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            writeBytes(out, key);
            writeBytes(out, value);
            out.writeLong(timestamp);
            out.writeBoolean(topic != null);
            if (topic != null) {
                out.writeUTF(topic);
            }
            out.writeInt(partition);
            out.writeLong(offset);
            Header[] all = headers.toArray();
            out.writeInt(all.length);
            for (Header h : all) {
                out.writeUTF(h.key());
                writeBytes(out, h.value());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: writing to memory", e);
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

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
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
