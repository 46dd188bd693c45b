package io.inferstream.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.FloatValue;
import com.google.protobuf.WrappersProto;
import io.inferstream.codec.MalformedRecordException;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Protobuf wire reader on messages written by protobuf-java's own DynamicMessage: packed and unpacked repeated
 * floats, an int64 kept exact, an enum's name, a nested message by dotted path, explicit presence (optional and a
 * FloatValue wrapper) as missing, implicit presence as the default, and bytes that are no such message.
 */
class ProtobufRecordDecoderTest {
    @TempDir
    Path dir;

    private static final ModelInfo MODEL = ModelInfo.builder("test").name("m").version("1")
            .input(FieldSpec.tensor("image", DataType.FLOAT, 3))
            .input(FieldSpec.tensor("unpacked", DataType.DOUBLE, 2))
            .input(FieldSpec.scalar("at", DataType.INT64))
            .input(FieldSpec.scalar("colour", DataType.STRING))
            .input(FieldSpec.scalar("amount", DataType.DOUBLE))
            .input(FieldSpec.scalar("discount", DataType.DOUBLE))
            .input(FieldSpec.scalar("weight", DataType.FLOAT))
            .input(FieldSpec.scalar("count", DataType.FLOAT))
            .output(FieldSpec.scalar("y", DataType.FLOAT)).build();

    private static FieldDescriptorProto.Builder field(String name, int number, Type type, Label label) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type).setLabel(label);
    }

    private Descriptor type;
    private Path set;

    private void describe() throws Exception {
        Label one = Label.LABEL_OPTIONAL;
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("t.proto").setPackage("t").setSyntax("proto3")
                .addDependency("google/protobuf/wrappers.proto")
                .addEnumType(EnumDescriptorProto.newBuilder().setName("Colour")
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("RED").setNumber(0))
                        .addValue(EnumValueDescriptorProto.newBuilder().setName("BLUE").setNumber(1)))
                .addMessageType(DescriptorProto.newBuilder().setName("Rec")
                        .addField(field("image", 1, Type.TYPE_FLOAT, Label.LABEL_REPEATED))
                        .addField(field("unpacked", 2, Type.TYPE_DOUBLE, Label.LABEL_REPEATED)
                                .setOptions(FieldOptions.newBuilder().setPacked(false)))
                        .addField(field("at", 3, Type.TYPE_INT64, one))
                        .addField(field("colour", 4, Type.TYPE_ENUM, one).setTypeName(".t.Colour"))
                        .addField(field("payment", 5, Type.TYPE_MESSAGE, one).setTypeName(".t.Payment"))
                        .addField(field("discount", 6, Type.TYPE_DOUBLE, one).setProto3Optional(true).setOneofIndex(0))
                        .addField(field("weight", 7, Type.TYPE_MESSAGE, one).setTypeName(".google.protobuf.FloatValue"))
                        .addField(field("count", 8, Type.TYPE_INT32, one))
                        .addField(field("note", 9, Type.TYPE_STRING, one))
                        .addOneofDecl(OneofDescriptorProto.newBuilder().setName("_discount")))
                .addMessageType(DescriptorProto.newBuilder().setName("Payment")
                        .addField(field("amount", 1, Type.TYPE_DOUBLE, one)))
                .build();
        FileDescriptor fd = FileDescriptor.buildFrom(file, new FileDescriptor[] {WrappersProto.getDescriptor()});
        type = fd.findMessageTypeByName("Rec");
        set = dir.resolve("t.desc");
        Files.write(set, FileDescriptorSet.newBuilder().addFile(WrappersProto.getDescriptor().toProto()).addFile(file)
                .build().toByteArray());
    }

    private ProtobufRecordDecoder decoder() {
        return ProtobufRecordDecoder.descriptorSet(new InputTargets(MODEL, Map.of("amount", "payment.amount"), Map.of(),
                false), set, "t.Rec");
    }

    @Test
    void readsWhatTheWriterWroteByProtobufsRules() throws Exception {
        describe();
        DynamicMessage.Builder m = DynamicMessage.newBuilder(type);
        for (float f : new float[] {0.5f, -2f, 1e-3f}) {
            m.addRepeatedField(type.findFieldByName("image"), f);
        }
        m.addRepeatedField(type.findFieldByName("unpacked"), 1.5).addRepeatedField(type.findFieldByName("unpacked"), 2.5);
        m.setField(type.findFieldByName("at"), 9_007_199_254_740_993L);
        m.setField(type.findFieldByName("colour"), type.getFile().findEnumTypeByName("Colour").findValueByName("BLUE"));
        Descriptor payment = type.getFile().findMessageTypeByName("Payment");
        m.setField(type.findFieldByName("payment"), DynamicMessage.newBuilder(payment)
                .setField(payment.findFieldByName("amount"), 12.25).build());
        m.setField(type.findFieldByName("weight"), FloatValue.of(70.5f));
        m.setField(type.findFieldByName("note"), "skipped");
        Features row = decoder().decode(m.build().toByteArray());
        assertArrayEquals(new float[] {0.5f, -2f, 1e-3f}, row.get("image").asFloats());
        assertArrayEquals(new double[] {1.5, 2.5}, row.get("unpacked").asDoubles());
        assertArrayEquals(new long[] {9_007_199_254_740_993L}, row.get("at").asLongs(), "exact beyond 2^53");
        assertEquals("BLUE", row.get("colour").asStrings()[0]);
        assertEquals(12.25, row.get("amount").getDouble(0));
        assertEquals(70.5f, row.get("weight").asFloats()[0]);
        assertFalse(row.has("discount"), "an optional field not set is missing");
        assertEquals(0f, row.get("count").asFloats()[0], "a proto3 field without presence reads as its default");
    }

    @Test
    void unsetMessagesAndWrappersAreMissingAndForeignBytesAreDecodeErrors() throws Exception {
        describe();
        DynamicMessage.Builder m = DynamicMessage.newBuilder(type);
        for (float f : new float[] {1f, 2f, 3f}) {
            m.addRepeatedField(type.findFieldByName("image"), f);
        }
        m.addRepeatedField(type.findFieldByName("unpacked"), 1.0).addRepeatedField(type.findFieldByName("unpacked"), 2.0);
        m.setField(type.findFieldByName("discount"), 0.25);
        Features row = decoder().decode(m.build().toByteArray());
        assertFalse(row.has("amount"), "a field inside a message that is not set is missing");
        assertFalse(row.has("weight"), "a wrapper not set is missing");
        assertEquals(0.25, row.get("discount").getDouble(0));

        DynamicMessage.Builder short1 = DynamicMessage.newBuilder(type);
        short1.addRepeatedField(type.findFieldByName("image"), 1f);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> decoder().decode(short1.build().toByteArray()));
        assertEquals("image", e.field());
        assertTrue(e.getMessage().contains("has 1 values but the model needs 3"), e.getMessage());
        MalformedRecordException bad = assertThrows(MalformedRecordException.class,
                () -> decoder().decode(new byte[] {0x0a, (byte) 0xff, 0x01}));
        assertTrue(bad.getMessage().contains("not a t.Rec message"), bad.getMessage());
    }
}
