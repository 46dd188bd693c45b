package io.inferstream.codec;

/**
 * Looks at a record value's raw bytes to say, in a user's terms, why it is not text a decoder can read: empty,
 * not UTF-8, binary control bytes. Used on the error path only, so the decoders' fast path pays nothing for it.
 *
 * <p>Messages never echo raw bytes (they would print as garbage, or worse, as terminal control codes); they show at
 * most a short hex preview.
 *
 * <p>Thread safety: stateless.
 */
final class RecordBytes {
    /** Bytes shown in a hex preview: enough to recognise a magic number (PNG, gzip, Avro's 0x00 + schema id). */
    private static final int PREVIEW_BYTES = 16;

    private RecordBytes() {
    }

    /** @return the decode error for a value of zero bytes (an empty string, not a Kafka null). */
    static MalformedRecordException empty() {
        return new MalformedRecordException("empty value (0 bytes)");
    }

    /**
     * Checks that the value is UTF-8 text without control characters other than tab, line feed and carriage return
     * (which neither JSON nor a CSV line may contain unescaped).
     *
     * @param what the codec's name for the text, e.g. "JSON" or "csv"
     * @param cutShortIsText whether a multi-byte character cut short by the end of the value counts as text: for
     *     JSON that is a truncation, which the caller reports in its own terms; for a csv line it is not text
     * @return the decode error for the first offending byte, or null if the value is such text
     */
    static MalformedRecordException notText(byte[] value, String what, boolean cutShortIsText) {
        int i = 0;
        while (i < value.length) {
            int b = value[i] & 0xFF;
            if (b < 0x80) {
                if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
                    return new MalformedRecordException("not " + what + " text: control byte " + hex(b)
                            + " at offset " + i + " (binary data?); " + preview(value));
                }
                i++;
                continue;
            }
            int length = sequenceLength(b);
            if (length == 0) {
                return invalidUtf8(value, i);
            }
            for (int k = 1; k < length; k++) {
                if (i + k >= value.length) {
                    return cutShortIsText ? null : invalidUtf8(value, i);
                }
                int c = value[i + k] & 0xFF;
                if ((c & 0xC0) != 0x80 || (k == 1 && !validSecondByte(b, c))) {
                    // Named by the character's first byte: with Latin-1 text (the usual cause) that is the
                    // accented letter itself, e.g. 0xE9 for é, not the ASCII byte after it.
                    return invalidUtf8(value, i);
                }
            }
            i += length;
        }
        return null;
    }

    private static MalformedRecordException invalidUtf8(byte[] value, int offset) {
        return new MalformedRecordException("not UTF-8 text: invalid byte " + hex(value[offset] & 0xFF) + " at offset "
                + offset + "; " + preview(value));
    }

    /** @return the length of the UTF-8 sequence a lead byte starts, or 0 if it cannot start one. */
    private static int sequenceLength(int lead) {
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        }
        if (lead >= 0xF0 && lead <= 0xF4) {
            return 4;
        }
        return 0; // a continuation byte, an overlong 2-byte lead (C0, C1) or beyond U+10FFFF (F5..FF)
    }

    /** Rejects overlong forms, UTF-16 surrogates and code points beyond U+10FFFF, as the standard does. */
    private static boolean validSecondByte(int lead, int second) {
        switch (lead) {
            case 0xE0: return second >= 0xA0;
            case 0xED: return second <= 0x9F;
            case 0xF0: return second >= 0x90;
            case 0xF4: return second <= 0x8F;
            default: return true;
        }
    }

    /** @return e.g. "the value (7 bytes) starts 89 50 4e 47 0d 0a 1a" */
    static String preview(byte[] value) {
        StringBuilder s = new StringBuilder("the value (").append(value.length).append(value.length == 1 ? " byte" : " bytes")
                .append(") starts");
        int n = Math.min(value.length, PREVIEW_BYTES);
        for (int i = 0; i < n; i++) {
            s.append(' ').append(Character.forDigit((value[i] >> 4) & 0xF, 16)).append(Character.forDigit(value[i] & 0xF, 16));
        }
        return value.length > n ? s.append(" ...").toString() : s.toString();
    }

    private static String hex(int b) {
        return String.format("0x%02X", b);
    }

    /**
     * @return text quoted for a message, cut to a readable length; for cells and tokens taken from a record that
     *     has already been checked to be text
     */
    static String quote(String text) {
        int max = 40;
        return text.length() <= max ? "'" + text + "'" : "'" + text.substring(0, max) + "...' (" + text.length() + " characters)";
    }
}
