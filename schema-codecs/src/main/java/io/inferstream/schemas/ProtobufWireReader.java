package io.inferstream.schemas;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.WireFormat;
import io.inferstream.codec.MalformedRecordException;
import io.inferstream.codec.NumericBuffer;
import io.inferstream.data.DataType;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Protobuf message's wire format straight into what the model's inputs need, guided by its descriptor: the
 * fields that feed an input are read (a packed {@code repeated float} straight into a float array), nested messages on
 * the way to one are entered, everything else is skipped unparsed. Protobuf's generic {@code DynamicMessage} boxes
 * every element of a repeated field, which made a 784-float image slower to decode than its JSON text.
 *
 * <p>Semantics are Protobuf's: the last occurrence of a singular field wins, a repeated field may be packed or not,
 * a field the record does not carry reads as its default unless it has presence.
 *
 * <p>Thread safety: immutable after construction; {@link #read} keeps its state in a {@link Values} of its own.
 */
final class ProtobufWireReader {
    /** Where the values of one record are collected, one slot per input path. */
    static final class Values {
        final Object[] scalars;
        final NumericBuffer[] tensors;
        final boolean[] seen;
        /** Whether the message holding the slot's field was present (the root always is). */
        final boolean[] parentSeen;

        Values(int slots) {
            scalars = new Object[slots];
            tensors = new NumericBuffer[slots];
            seen = new boolean[slots];
            parentSeen = new boolean[slots];
        }
    }

    /** A field that feeds an input. */
    private static final class Leaf {
        final int slot;
        final FieldDescriptor field;
        /** The {@code value} field of a wrapper such as google.protobuf.FloatValue, or null. */
        final FieldDescriptor wrapped;
        final FieldSpec spec;
        final boolean tensor;

        Leaf(int slot, FieldDescriptor field, FieldDescriptor wrapped, FieldSpec spec, boolean tensor) {
            this.slot = slot;
            this.field = field;
            this.wrapped = wrapped;
            this.spec = spec;
            this.tensor = tensor;
        }
    }

    /** One message level: the fields read at it and the nested messages entered from it. */
    private static final class Level {
        final Map<Integer, Leaf> leaves = new HashMap<>();
        final Map<Integer, Level> children = new HashMap<>();
        /** The slots whose field lives directly in this message. */
        int[] ownSlots = new int[0];
    }

    private final Level root = new Level();
    private final int slots;
    private final boolean allowNonFinite;

    /**
     * @param chains per slot, the fields from the root message to the one that feeds the input
     * @param specs per slot, the input fed (for a joined field, the joined input)
     * @param tensors per slot, whether the slot fills a tensor input
     */
    ProtobufWireReader(List<FieldDescriptor[]> chains, List<FieldSpec> specs, List<Boolean> tensors,
            boolean allowNonFinite) {
        this.slots = chains.size();
        this.allowNonFinite = allowNonFinite;
        for (int s = 0; s < slots; s++) {
            FieldDescriptor[] chain = chains.get(s);
            Level at = root;
            for (int i = 0; i < chain.length - 1; i++) {
                at = at.children.computeIfAbsent(chain[i].getNumber(), n -> new Level());
            }
            FieldDescriptor leaf = chain[chain.length - 1];
            FieldDescriptor value = ProtobufReadPlan.wrapped(leaf);
            at.leaves.put(leaf.getNumber(), new Leaf(s, leaf, value == leaf ? null : value, specs.get(s), tensors.get(s)));
            int[] own = java.util.Arrays.copyOf(at.ownSlots, at.ownSlots.length + 1);
            own[own.length - 1] = s;
            at.ownSlots = own;
        }
    }

    /**
     * @throws MalformedRecordException if the bytes are not a message of this type
     * @throws InvalidInputException if a value does not fit its input (NaN, a fraction into an int input)
     */
    Values read(byte[] value, int offset, Descriptor type) throws InvalidInputException {
        Values v = new Values(slots);
        CodedInputStream in = CodedInputStream.newInstance(value, offset, value.length - offset);
        try {
            enter(root, v);
            readMessage(in, root, v);
        } catch (IOException e) {
            throw new MalformedRecordException("not a " + type.getFullName() + " message: " + e.getMessage());
        }
        return v;
    }

    private static void enter(Level level, Values v) {
        for (int s : level.ownSlots) {
            v.parentSeen[s] = true;
        }
    }

    private void readMessage(CodedInputStream in, Level level, Values v) throws IOException, InvalidInputException {
        int tag;
        while ((tag = in.readTag()) != 0) {
            int number = WireFormat.getTagFieldNumber(tag);
            Leaf leaf = level.leaves.get(number);
            if (leaf != null) {
                readLeaf(in, tag, leaf, v);
                continue;
            }
            Level child = level.children.get(number);
            if (child != null && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                enter(child, v);
                readMessage(in, child, v);
                in.popLimit(limit);
                continue;
            }
            in.skipField(tag);
        }
    }

    private void readLeaf(CodedInputStream in, int tag, Leaf leaf, Values v) throws IOException, InvalidInputException {
        int wireType = WireFormat.getTagWireType(tag);
        if (leaf.wrapped != null) {
            // A wrapper message: its field 1 is the value; an empty wrapper is the default value, present.
            int limit = in.pushLimit(in.readRawVarint32());
            v.seen[leaf.slot] = true;
            v.scalars[leaf.slot] = defaultOf(leaf.wrapped);
            int inner;
            while ((inner = in.readTag()) != 0) {
                if (WireFormat.getTagFieldNumber(inner) == 1) {
                    v.scalars[leaf.slot] = readValue(in, leaf.wrapped);
                } else {
                    in.skipField(inner);
                }
            }
            in.popLimit(limit);
            return;
        }
        v.seen[leaf.slot] = true;
        if (!leaf.tensor) {
            v.scalars[leaf.slot] = readValue(in, leaf.field);
            return;
        }
        NumericBuffer buf = v.tensors[leaf.slot];
        if (buf == null) {
            long declared = leaf.spec.elementCount();
            buf = new NumericBuffer(leaf.spec.type(), declared > 0 ? (int) Math.min(declared, 1 << 20) : 16);
            v.tensors[leaf.slot] = buf;
        }
        boolean packed = wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED
                && leaf.field.getType() != FieldDescriptor.Type.STRING && leaf.field.getType() != FieldDescriptor.Type.BYTES;
        if (!packed) {
            addElement(in, leaf, buf);
            return;
        }
        int limit = in.pushLimit(in.readRawVarint32());
        while (in.getBytesUntilLimit() > 0) {
            addElement(in, leaf, buf);
        }
        in.popLimit(limit);
    }

    private void addElement(CodedInputStream in, Leaf leaf, NumericBuffer buf) throws IOException, InvalidInputException {
        if (leaf.field.getType() == FieldDescriptor.Type.FLOAT && buf.type() == DataType.FLOAT) {
            float f = in.readFloat();
            if (!allowNonFinite && !Float.isFinite(f)) {
                throw NumericBuffer.notFinite(leaf.spec.name(), Float.toString(f), DataType.FLOAT);
            }
            buf.addFloat(f);
            return;
        }
        Object value = readValue(in, leaf.field);
        if (value instanceof Long && buf.type() == DataType.INT64) {
            buf.addLong((Long) value);
            return;
        }
        buf.addNumber(((Number) value).doubleValue(), null, leaf.spec.name(), allowNonFinite);
    }

    /** @return the value of one occurrence of a singular field: a Number, Boolean, String, byte[] or enum name */
    private static Object readValue(CodedInputStream in, FieldDescriptor f) throws IOException {
        switch (f.getType()) {
            case DOUBLE: return in.readDouble();
            case FLOAT: return in.readFloat();
            case INT64: return in.readInt64();
            case UINT64: return in.readUInt64();
            case INT32: return in.readInt32();
            case FIXED64: return in.readFixed64();
            case FIXED32: return Integer.toUnsignedLong(in.readFixed32());
            case BOOL: return in.readBool();
            case STRING: return in.readStringRequireUtf8();
            case BYTES: return in.readByteArray();
            case UINT32: return Integer.toUnsignedLong(in.readUInt32());
            case SFIXED32: return in.readSFixed32();
            case SFIXED64: return in.readSFixed64();
            case SINT32: return in.readSInt32();
            case SINT64: return in.readSInt64();
            case ENUM: {
                int number = in.readEnum();
                var e = f.getEnumType().findValueByNumber(number);
                return e == null ? Integer.toString(number) : e.getName();
            }
            default:
                throw new IOException("field " + f.getName() + " is a " + f.getType() + ", which no input reads");
        }
    }

    /** @return what a field without presence reads as when the record does not carry it */
    static Object defaultOf(FieldDescriptor f) {
        switch (f.getJavaType()) {
            case BOOLEAN: return Boolean.FALSE;
            case STRING: return "";
            case BYTE_STRING: return new byte[0];
            case ENUM: return f.getEnumType().getValues().get(0).getName();
            case INT: return 0;
            case LONG: return 0L;
            case FLOAT: return 0f;
            case DOUBLE: return 0.0;
            default: return null;
        }
    }
}
