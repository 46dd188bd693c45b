package io.inferstream.schemas;

import java.util.List;
import java.util.Objects;

/**
 * A schema as a registry holds it: its global id, its type ({@code AVRO}, {@code PROTOBUF}, {@code JSON}) and its
 * text; subject and version when it was looked up by subject; the other schemas it names (its {@code references}:
 * Avro named types defined elsewhere, Protobuf files it imports).
 *
 * <p>Thread safety: immutable.
 */
public final class RegisteredSchema {
    private final int id;
    private final String type;
    private final String text;
    private final String subject;
    private final int version;
    private final List<Reference> references;

    /**
     * One entry of a schema's {@code references} array: the name the schema uses (an Avro type's full name, a
     * Protobuf import path) and where the registry holds it.
     */
    public record Reference(String name, String subject, int version) {
    }

    /** A schema that names no other. */
    public RegisteredSchema(int id, String type, String text, String subject, int version) {
        this(id, type, text, subject, version, List.of());
    }

    /**
     * @param type as the registry says it; null or empty means {@code AVRO}, the registry's default
     * @param subject the subject it was found under, or null
     * @param version its version in that subject, or 0
     * @param references the schemas it names, in the registry's order
     */
    public RegisteredSchema(int id, String type, String text, String subject, int version, List<Reference> references) {
        this.id = id;
        this.type = type == null || type.isEmpty() ? "AVRO" : type;
        this.text = Objects.requireNonNull(text, "text");
        this.subject = subject;
        this.version = version;
        this.references = List.copyOf(references);
    }

    public int id() {
        return id;
    }

    /** @return {@code AVRO}, {@code PROTOBUF} or {@code JSON} */
    public String type() {
        return type;
    }

    /** @return the schema text: Avro JSON, or a .proto file */
    public String text() {
        return text;
    }

    /** @return the subject it was looked up under, or null when looked up by id */
    public String subject() {
        return subject;
    }

    /** @return its version in {@link #subject()}, or 0 */
    public int version() {
        return version;
    }

    /** @return the schemas this one names, each to be read before it; empty for most */
    public List<Reference> references() {
        return references;
    }
}
