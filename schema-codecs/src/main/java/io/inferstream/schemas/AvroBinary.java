package io.inferstream.schemas;

import io.inferstream.codec.MalformedRecordException;
import java.nio.charset.StandardCharsets;

/**
 * Reads Avro's binary encoding (zig-zag varints, little-endian IEEE floats, length-prefixed bytes) from a record
 * value, checking every length against what is left, so a truncated or foreign body is a clean decode error rather
 * than an exception from deep inside a reader.
 *
 * <p>Thread safety: not thread-safe; one per record being decoded.
 */
final class AvroBinary {
    private final byte[] buf;
    private int pos;

    AvroBinary(byte[] buf, int offset) {
        this.buf = buf;
        this.pos = offset;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return buf.length - pos;
    }

    long readLong() throws MalformedRecordException {
        long raw = 0;
        int shift = 0;
        while (true) {
            if (pos >= buf.length) {
                throw truncated();
            }
            int b = buf[pos++] & 0xFF;
            raw |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 63) {
                throw new MalformedRecordException("not Avro: a variable-length integer at byte " + pos
                        + " runs over 10 bytes");
            }
        }
        return (raw >>> 1) ^ -(raw & 1);
    }

    int readInt() throws MalformedRecordException {
        long v = readLong();
        if (v != (int) v) {
            throw new MalformedRecordException("not Avro: an int at byte " + pos + " is out of range (" + v + ")");
        }
        return (int) v;
    }

    boolean readBoolean() throws MalformedRecordException {
        need(1);
        return buf[pos++] != 0;
    }

    float readFloat() throws MalformedRecordException {
        need(4);
        int bits = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    double readDouble() throws MalformedRecordException {
        need(8);
        long bits = 0;
        for (int i = 7; i >= 0; i--) {
            bits = bits << 8 | (buf[pos + i] & 0xFF);
        }
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    /** @return a length or count that fits in what is left of the value (each item takes at least one byte) */
    int readLength() throws MalformedRecordException {
        long n = readLong();
        if (n < 0 || n > remaining()) {
            if (n < 0) {
                throw new MalformedRecordException("not Avro: negative length " + n + " at byte " + pos);
            }
            throw truncated();
        }
        return (int) n;
    }

    byte[] readBytes() throws MalformedRecordException {
        return readFixed(readLength());
    }

    byte[] readFixed(int size) throws MalformedRecordException {
        need(size);
        byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + size);
        pos += size;
        return out;
    }

    String readString() throws MalformedRecordException {
        int n = readLength();
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    void skip(int n) throws MalformedRecordException {
        need(n);
        pos += n;
    }

    private void need(int n) throws MalformedRecordException {
        if (n > buf.length - pos) {
            throw truncated();
        }
    }

    private MalformedRecordException truncated() {
        return new MalformedRecordException("the Avro body ends at byte " + buf.length + " in the middle of a value "
                + "(truncated, or not written with this schema)");
    }
}
