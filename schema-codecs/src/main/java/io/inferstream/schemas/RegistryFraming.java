package io.inferstream.schemas;

import io.inferstream.codec.MalformedRecordException;

/**
 * The schema registry's wire format, in one place for every codec that reads or writes it: byte {@code 0x00}, the
 * writer schema's global id as 4 big-endian bytes, then the payload (for Protobuf, message indexes come first).
 *
 * <p>Thread safety: stateless.
 */
final class RegistryFraming {
    static final byte MAGIC = 0;
    /** The magic byte and the schema id. */
    static final int HEADER = 5;

    private RegistryFraming() {
    }

    /**
     * @param minimum bytes the value must have at least (the header, and what must follow it)
     * @param hint what to add to the message of a wrong magic byte (the likeliest mix-up of the codec); called on
     *     that error path only
     * @return the schema id of a registry-framed value
     * @throws MalformedRecordException for an empty value, a wrong magic byte or a value too short to be framed
     */
    static int schemaId(byte[] value, int minimum, java.util.function.Function<byte[], String> hint) throws MalformedRecordException {
        if (value.length == 0 || value[0] != MAGIC) {
            throw new MalformedRecordException((value.length == 0 ? "empty value" : "wrong magic byte "
                    + String.format("0x%02X", value[0] & 0xFF)) + ": a schema-registry record starts with byte 0x00 "
                    + "and a 4-byte schema id" + hint.apply(value));
        }
        if (value.length < minimum) {
            throw new MalformedRecordException("truncated: " + value.length + " bytes, fewer than the " + minimum
                    + " of the schema-registry header (byte 0x00 and a 4-byte schema id"
                    + (minimum > HEADER ? ", then what follows it" : "") + ")");
        }
        return (value[1] & 0xFF) << 24 | (value[2] & 0xFF) << 16 | (value[3] & 0xFF) << 8 | (value[4] & 0xFF);
    }

    /** @return the header that names a schema in a registry-framed value */
    static byte[] header(int id) {
        return java.nio.ByteBuffer.allocate(HEADER).put(MAGIC).putInt(id).array();
    }
}
