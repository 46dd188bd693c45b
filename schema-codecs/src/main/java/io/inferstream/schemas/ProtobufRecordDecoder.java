package io.inferstream.schemas;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.inferstream.codec.MalformedRecordException;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.data.Features;
import io.inferstream.model.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decodes Protobuf record values ({@code input.codec=protobuf}): bare messages of one type described by a descriptor
 * set file ({@code protoc --include_imports --descriptor_set_out}), or the Confluent wire format (byte 0, 4-byte
 * schema id, the message indexes as zig-zag varints, the message), the schema fetched from the registry by id in its
 * serialized form ({@code ?format=serialized}: a base64 {@code FileDescriptorProto}) and cached, with the files it
 * imports from its {@code references} (and the well-known types).
 *
 * <p>Thread safety: thread-safe.
 */
public final class ProtobufRecordDecoder implements RecordDecoder {
    /** A message type compiled for the model, or why it cannot feed it. */
    private static final class Compiled {
        final ProtobufReadPlan plan;
        final String unfit;
        final String name;

        Compiled(ProtobufReadPlan plan, String unfit, String name) {
            this.plan = plan;
            this.unfit = unfit;
            this.name = name;
        }

        static Compiled of(Descriptor type, InputTargets targets, String name) {
            try {
                return new Compiled(new ProtobufReadPlan(type, targets), null, name);
            } catch (AvroReadPlan.Unfit e) {
                return new Compiled(null, e.getMessage(), name);
            }
        }

        Features read(byte[] value, int offset) throws InvalidInputException {
            if (plan == null) {
                throw new InvalidInputException(name + " cannot feed the model: " + unfit);
            }
            return plan.read(value, offset);
        }
    }

    private final InputTargets targets;
    private final SchemaRegistryClient registry;
    private final Compiled single;
    /** Compiled per schema id, then per message-index path. */
    private final Map<String, Compiled> byIdAndIndexes = new ConcurrentHashMap<>();
    private final Map<Integer, FileDescriptor> files = new ConcurrentHashMap<>();

    private ProtobufRecordDecoder(InputTargets targets, SchemaRegistryClient registry, Compiled single) {
        this.targets = targets;
        this.registry = registry;
        this.single = single;
    }

    /**
     * Bare messages of one type.
     *
     * @throws IllegalArgumentException if the file cannot be read, lacks the message, or the message cannot feed the
     *     model (naming the fields)
     */
    static ProtobufRecordDecoder descriptorSet(InputTargets targets, Path file, String message) {
        FileDescriptorSet set;
        try {
            set = FileDescriptorSet.parseFrom(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("input.protobuf.descriptor.set " + file + " is not a readable descriptor "
                    + "set (protoc --include_imports --descriptor_set_out=FILE): " + e.getMessage(), e);
        }
        Map<String, FileDescriptor> built = new HashMap<>();
        Descriptor type = null;
        List<String> known = new ArrayList<>();
        for (FileDescriptorProto proto : set.getFileList()) {
            FileDescriptor fd = build(proto, built, file.toString());
            for (Descriptor d : fd.getMessageTypes()) {
                known.add(d.getFullName());
            }
            Descriptor found = fd.findMessageTypeByName(message.startsWith(fd.getPackage() + ".")
                    ? message.substring(fd.getPackage().length() + 1) : message);
            if (found != null && found.getFullName().equals(message)) {
                type = found;
            }
        }
        if (type == null) {
            throw new IllegalArgumentException("input.protobuf.message " + message + " is not in " + file
                    + "; its messages are " + known);
        }
        Compiled c = Compiled.of(type, targets, "message " + message + " (" + file + ")");
        if (c.unfit != null) {
            throw new IllegalArgumentException(c.name + " cannot feed the model: " + c.unfit);
        }
        return new ProtobufRecordDecoder(targets, null, c);
    }

    private static FileDescriptor build(FileDescriptorProto proto, Map<String, FileDescriptor> built, String source) {
        List<FileDescriptor> deps = new ArrayList<>();
        for (String dep : proto.getDependencyList()) {
            FileDescriptor d = built.get(dep);
            if (d == null) {
                throw new IllegalArgumentException(source + ": " + proto.getName() + " imports " + dep + ", which is not "
                        + "in the descriptor set (make it with protoc --include_imports)");
            }
            deps.add(d);
        }
        try {
            FileDescriptor fd = FileDescriptor.buildFrom(proto, deps.toArray(new FileDescriptor[0]));
            built.put(proto.getName(), fd);
            return fd;
        } catch (DescriptorValidationException e) {
            throw new IllegalArgumentException(source + ": " + proto.getName() + " is not a valid descriptor: "
                    + e.getMessage(), e);
        }
    }

    /** Messages in the Confluent wire format, their schemas fetched from this registry. */
    static ProtobufRecordDecoder registry(InputTargets targets, SchemaRegistryClient registry) {
        return new ProtobufRecordDecoder(targets, registry, null);
    }

    /**
     * Checks a subject's latest schema (its first message type, what producers of the subject write by default).
     *
     * @throws IllegalArgumentException naming the fields the model needs that the message lacks
     */
    void requireFits(RegisteredSchema latest) {
        Compiled c = compiled(latest.id(), new int[] {0});
        if (c.unfit != null) {
            throw new IllegalArgumentException(c.name + " cannot feed the model: " + c.unfit);
        }
    }

    @Override
    public Features decode(byte[] value) throws InvalidInputException {
        if (single != null) {
            return single.read(value, 0);
        }
        // At least one byte of message indexes follows the header.
        int id = RegistryFraming.schemaId(value, RegistryFraming.HEADER + 1, v -> "");
        if (!files.containsKey(id) && registry.byId(id, "serialized").isEmpty()) {
            // Not cached: a schema registered after the record was read should be found next time.
            throw new MalformedRecordException("unknown schema id " + id + ": schema registry " + registry.url()
                    + " has no schema with that id");
        }
        AvroBinary in = new AvroBinary(value, RegistryFraming.HEADER); // the indexes are zig-zag varints, as Avro's longs are
        int count = in.readInt();
        int[] indexes;
        if (count == 0) {
            indexes = new int[] {0}; // the common case, written as one byte: the file's first message
        } else {
            if (count < 0 || count > in.remaining()) {
                throw new MalformedRecordException("not the schema-registry Protobuf format: " + count
                        + " message indexes");
            }
            indexes = new int[count];
            for (int i = 0; i < count; i++) {
                indexes[i] = in.readInt();
            }
        }
        return compiled(id, indexes).read(value, in.position());
    }

    private Compiled compiled(int id, int[] indexes) {
        String key = id + java.util.Arrays.toString(indexes);
        Compiled c = byIdAndIndexes.get(key);
        if (c != null) {
            return c;
        }
        String name = "writer schema id " + id;
        FileDescriptor file = files.get(id);
        if (file == null) {
            Optional<RegisteredSchema> schema = registry.byId(id, "serialized");
            if (schema.isEmpty()) {
                return new Compiled(null, "schema registry " + registry.url() + " has no schema with that id", name);
            }
            if (!"PROTOBUF".equals(schema.get().type())) {
                c = new Compiled(null, "it is a " + schema.get().type() + " schema; input.codec=protobuf reads "
                        + "Protobuf", name);
                byIdAndIndexes.put(key, c);
                return c;
            }
            try {
                file = ReferencedSchemas.protobuf(schema.get(), name, registry);
            } catch (IllegalArgumentException e) {
                c = new Compiled(null, e.getMessage(), name);
                byIdAndIndexes.put(key, c);
                return c;
            }
            files.put(id, file);
        }
        Descriptor type = null;
        List<Descriptor> level = file.getMessageTypes();
        for (int index : indexes) {
            if (index < 0 || index >= level.size()) {
                type = null;
                break;
            }
            type = level.get(index);
            level = type.getNestedTypes();
        }
        if (type == null) {
            c = new Compiled(null, "it has no message at indexes " + java.util.Arrays.toString(indexes), name);
        } else {
            c = Compiled.of(type, targets, name + " " + type.getFullName());
        }
        byIdAndIndexes.put(key, c);
        return c;
    }
}
