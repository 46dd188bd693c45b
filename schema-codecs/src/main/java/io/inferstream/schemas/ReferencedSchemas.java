package io.inferstream.schemas;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;

/**
 * Reads a registry schema together with the schemas it references (the registry's {@code references}: each a name,
 * a subject and a version): Avro named types defined in other subjects, which must be known to the parser before
 * the schema that uses them, and Protobuf files it imports, which must be built before the file that imports them.
 * References are fetched by subject and version (cached by the client), depth first, each once.
 *
 * <p>Thread safety: stateless.
 */
final class ReferencedSchemas {
    private ReferencedSchemas() {
    }

    /**
     * @return the Avro schema, its references' named types resolved
     * @throws IllegalArgumentException if a reference is missing from the registry or a text is not Avro
     * @throws io.inferstream.codec.SchemaUnavailableException if the registry cannot answer now
     */
    static Schema avro(RegisteredSchema schema, SchemaRegistryClient registry) {
        Schema.Parser parser = new Schema.Parser();
        defineAvro(schema.references(), registry, parser, new HashSet<>());
        return parser.parse(schema.text());
    }

    private static void defineAvro(List<RegisteredSchema.Reference> references, SchemaRegistryClient registry,
            Schema.Parser parser, Set<String> defined) {
        for (RegisteredSchema.Reference r : references) {
            if (!defined.add(r.subject() + "/" + r.version())) {
                continue;
            }
            RegisteredSchema referenced = fetch(r, registry, "");
            defineAvro(referenced.references(), registry, parser, defined);
            parser.parse(referenced.text());
        }
    }

    /**
     * @param serialized the schema as the registry's {@code format=serialized} gives it (a base64
     *     {@code FileDescriptorProto})
     * @return the Protobuf file, its imports built from its references
     * @throws IllegalArgumentException if a reference is missing or a file is not a usable descriptor
     * @throws io.inferstream.codec.SchemaUnavailableException if the registry cannot answer now
     */
    static FileDescriptor protobuf(RegisteredSchema serialized, String name, SchemaRegistryClient registry) {
        return buildProtobuf(serialized, null, name, registry, new HashMap<>());
    }

    /** Files every Protobuf runtime has, which registries do not list as references. */
    private static final Map<String, FileDescriptor> WELL_KNOWN = Map.of(
            "google/protobuf/wrappers.proto", com.google.protobuf.WrappersProto.getDescriptor(),
            "google/protobuf/timestamp.proto", com.google.protobuf.TimestampProto.getDescriptor(),
            "google/protobuf/duration.proto", com.google.protobuf.DurationProto.getDescriptor(),
            "google/protobuf/struct.proto", com.google.protobuf.StructProto.getDescriptor(),
            "google/protobuf/empty.proto", com.google.protobuf.EmptyProto.getDescriptor(),
            "google/protobuf/any.proto", com.google.protobuf.AnyProto.getDescriptor(),
            "google/protobuf/field_mask.proto", com.google.protobuf.FieldMaskProto.getDescriptor());

    /** @param importedAs the name the importing file uses for it, which its descriptor must carry; null for the root */
    private static FileDescriptor buildProtobuf(RegisteredSchema schema, String importedAs, String name,
            SchemaRegistryClient registry, Map<String, FileDescriptor> built) {
        String what = name + ": the registry's serialized schema" + (importedAs != null ? " of import " + importedAs : "");
        FileDescriptorProto proto;
        try {
            proto = FileDescriptorProto.parseFrom(Base64.getDecoder().decode(schema.text().strip()));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not a FileDescriptorProto: " + e.getMessage(), e);
        }
        if (importedAs != null) {
            // A registry names the file it compiled as it likes; the importer knows it by the reference's name.
            proto = proto.toBuilder().setName(importedAs).build();
        }
        Map<String, RegisteredSchema.Reference> byName = new HashMap<>();
        schema.references().forEach(r -> byName.put(r.name(), r));
        List<FileDescriptor> dependencies = new ArrayList<>();
        for (String dependency : proto.getDependencyList()) {
            FileDescriptor d = built.get(dependency);
            if (d == null && byName.containsKey(dependency)) {
                d = buildProtobuf(fetch(byName.get(dependency), registry, "serialized"), dependency, name, registry,
                        built);
            }
            if (d == null) {
                d = WELL_KNOWN.get(dependency);
            }
            if (d == null) {
                throw new IllegalArgumentException(what + " imports " + dependency + ", which is neither among its "
                        + "references " + byName.keySet() + " nor a well-known type");
            }
            dependencies.add(d);
        }
        try {
            FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies.toArray(new FileDescriptor[0]));
            built.put(proto.getName(), file);
            return file;
        } catch (DescriptorValidationException e) {
            throw new IllegalArgumentException(what + " is not a valid descriptor: " + e.getMessage(), e);
        }
    }

    private static RegisteredSchema fetch(RegisteredSchema.Reference r, SchemaRegistryClient registry, String format) {
        return registry.version(r.subject(), r.version(), format).orElseThrow(() -> new IllegalArgumentException(
                "it references " + r.name() + " as subject " + r.subject() + " version " + r.version()
                        + ", which schema registry " + registry.url() + " does not have"));
    }
}
