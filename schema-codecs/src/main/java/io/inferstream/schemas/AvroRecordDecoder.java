package io.inferstream.schemas;

import io.inferstream.codec.MalformedRecordException;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.data.Features;
import io.inferstream.model.InvalidInputException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

/**
 * Decodes Avro record values in one of three framings ({@code input.avro.encoding}):
 * <ul>
 *   <li>{@code registry}: the Confluent wire format, byte 0, a big-endian 4-byte schema id, the body. Each writer
 *       schema is fetched from the registry by id the first time it is seen and compiled once; records written with
 *       different versions of a schema in one topic are all read (fields are matched by name).</li>
 *   <li>{@code binary}: the bare body, written with the one schema given as a file.</li>
 *   <li>{@code single-object}: Avro's single-object encoding, {@code C3 01}, the schema's 64-bit CRC-64-AVRO
 *       fingerprint (little-endian), the body; the schemas it may name are given as files.</li>
 * </ul>
 *
 * <p>A record that cannot be read is a decode error naming the schema (id or fingerprint) and what is wrong: a wrong
 * magic byte, a truncated body, an unknown schema id, a body that does not match its schema, or a schema that lacks a
 * field the model needs. A registry that cannot answer throws {@link io.inferstream.codec.SchemaUnavailableException}
 * (the batch is held and retried, nothing is dead-lettered).
 *
 * <p>Thread safety: thread-safe; compiled schemas are cached in concurrent maps.
 */
public final class AvroRecordDecoder implements RecordDecoder {
    static final byte SINGLE_OBJECT_1 = (byte) 0xC3;
    static final byte SINGLE_OBJECT_2 = 0x01;
    private static final int SINGLE_OBJECT_HEADER = 10;

    /** A compiled writer schema, or why it cannot feed the model. */
    private static final class Compiled {
        final AvroReadPlan plan;
        final String unfit;
        final String name;

        Compiled(AvroReadPlan plan, String unfit, String name) {
            this.plan = plan;
            this.unfit = unfit;
            this.name = name;
        }

        static Compiled of(Schema schema, InputTargets targets, String name) {
            try {
                return new Compiled(AvroReadPlan.compile(schema, targets), null, name);
            } catch (AvroReadPlan.Unfit e) {
                return new Compiled(null, e.getMessage(), name);
            }
        }

        Features read(byte[] value, int offset) throws InvalidInputException {
            if (plan == null) {
                throw new InvalidInputException(name + " cannot feed the model: " + unfit);
            }
            try {
                return plan.read(value, offset);
            } catch (MalformedRecordException e) {
                throw new MalformedRecordException(name + ": " + e.getMessage());
            } catch (InvalidInputException e) {
                // Still tied to its field (the dead letter says which), with the schema that wrote it.
                String reason = e.field() == null ? e.getMessage()
                        : e.getMessage().substring(("field '" + e.field() + "': ").length());
                throw e.field() == null ? new InvalidInputException(name + ": " + reason)
                        : new InvalidInputException(e.field(), reason + " (" + name + ")");
            }
        }
    }

    private final String encoding;
    private final InputTargets targets;
    private final SchemaRegistryClient registry;
    private final Compiled single;
    private final Map<Long, Compiled> byFingerprint;
    private final Map<Integer, Compiled> byId = new ConcurrentHashMap<>();

    private AvroRecordDecoder(String encoding, InputTargets targets, SchemaRegistryClient registry, Compiled single,
            Map<Long, Compiled> byFingerprint) {
        this.encoding = encoding;
        this.targets = targets;
        this.registry = registry;
        this.single = single;
        this.byFingerprint = byFingerprint;
    }

    /** Records in the Confluent wire format, their schemas fetched from this registry. */
    static AvroRecordDecoder registry(InputTargets targets, SchemaRegistryClient registry) {
        return new AvroRecordDecoder("registry", targets, registry, null, Map.of());
    }

    /**
     * Bare bodies written with this schema.
     *
     * @throws IllegalArgumentException if the schema cannot feed the model, naming the fields
     */
    static AvroRecordDecoder binary(InputTargets targets, Schema schema, String source) {
        Compiled c = Compiled.of(schema, targets, "schema " + schema.getFullName() + " (" + source + ")");
        if (c.unfit != null) {
            throw new IllegalArgumentException(c.name + " cannot feed the model: " + c.unfit);
        }
        return new AvroRecordDecoder("binary", targets, null, c, Map.of());
    }

    /**
     * Single-object encoded records of any of these schemas.
     *
     * @param schemas schema to where it came from (a file name)
     * @throws IllegalArgumentException if a schema cannot feed the model, naming it and the fields
     */
    static AvroRecordDecoder singleObject(InputTargets targets, Map<Schema, String> schemas) {
        Map<Long, Compiled> known = new HashMap<>();
        schemas.forEach((schema, source) -> {
            long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
            Compiled c = Compiled.of(schema, targets, "schema " + schema.getFullName() + " (" + source
                    + ", fingerprint " + hex(fingerprint) + ")");
            if (c.unfit != null) {
                throw new IllegalArgumentException(c.name + " cannot feed the model: " + c.unfit);
            }
            known.put(fingerprint, c);
        });
        return new AvroRecordDecoder("single-object", targets, null, null, Map.copyOf(known));
    }

    /**
     * Checks a schema known up front (a subject's latest version) against the model, for a clear error at start.
     *
     * @throws IllegalArgumentException naming the fields the model needs that the schema lacks
     */
    void requireFits(RegisteredSchema schema) {
        Compiled c = compile(schema);
        if (c.unfit != null) {
            throw new IllegalArgumentException(c.name + " cannot feed the model: " + c.unfit);
        }
    }

    @Override
    public Features decode(byte[] value) throws InvalidInputException {
        switch (encoding) {
            case "binary":
                return single.read(value, 0);
            case "single-object":
                return decodeSingleObject(value);
            default:
                return decodeRegistry(value);
        }
    }

    private Features decodeRegistry(byte[] value) throws InvalidInputException {
        int id = RegistryFraming.schemaId(value, RegistryFraming.HEADER, AvroRecordDecoder::hint);
        Compiled c = byId.get(id);
        if (c == null) {
            Optional<RegisteredSchema> schema = registry.byId(id);
            if (schema.isEmpty()) {
                // Not cached: a schema registered after the record was read should be found next time.
                throw new MalformedRecordException("unknown schema id " + id + ": schema registry " + registry.url()
                        + " has no schema with that id");
            }
            c = byId.computeIfAbsent(id, k -> compile(schema.get()));
        }
        return c.read(value, RegistryFraming.HEADER);
    }

    private Compiled compile(RegisteredSchema registered) {
        String name = "writer schema id " + registered.id()
                + (registered.subject() != null ? " (" + registered.subject() + " v" + registered.version() + ")" : "");
        if (!"AVRO".equals(registered.type())) {
            return new Compiled(null, "it is a " + registered.type() + " schema; input.codec=avro reads Avro", name);
        }
        Schema schema;
        try {
            schema = ReferencedSchemas.avro(registered, registry);
        } catch (org.apache.avro.AvroRuntimeException | IllegalArgumentException e) {
            // Definitive: the registry gave this text, or said 404 for a reference. Anything else the registry
            // answered (SchemaUnavailableException) is not cached here: it leaves compile() and the batch waits.
            return new Compiled(null, "the registry's text is not an Avro schema: " + e.getMessage(), name);
        }
        return Compiled.of(schema, targets, name + " " + schema.getFullName());
    }

    private Features decodeSingleObject(byte[] value) throws InvalidInputException {
        if (value.length < 2 || value[0] != SINGLE_OBJECT_1 || value[1] != SINGLE_OBJECT_2) {
            throw new MalformedRecordException("not Avro single-object encoding: it starts with the marker C3 01"
                    + hint(value));
        }
        if (value.length < SINGLE_OBJECT_HEADER) {
            throw new MalformedRecordException("truncated: " + value.length + " bytes, fewer than the 10 of the "
                    + "single-object header (C3 01 and an 8-byte schema fingerprint)");
        }
        long fingerprint = 0;
        for (int i = 9; i >= 2; i--) {
            fingerprint = fingerprint << 8 | (value[i] & 0xFF);
        }
        Compiled c = byFingerprint.get(fingerprint);
        if (c == null) {
            throw new MalformedRecordException("unknown schema fingerprint " + hex(fingerprint) + ": none of the "
                    + byFingerprint.size() + " schema(s) in input.avro.schema has it");
        }
        return c.read(value, SINGLE_OBJECT_HEADER);
    }

    private static String hex(long fingerprint) {
        return String.format("%016x", fingerprint);
    }

    /** @return a hint for the likeliest mix-ups: JSON text, or the other Avro framing */
    private static String hint(byte[] value) {
        if (value.length > 0 && (value[0] == '{' || value[0] == '[')) {
            return "; the value looks like JSON text: is input.codec right?";
        }
        if (value.length > 1 && value[0] == SINGLE_OBJECT_1 && value[1] == SINGLE_OBJECT_2) {
            return "; it starts with C3 01, Avro's single-object marker: set input.avro.encoding=single-object";
        }
        if (value.length > 4 && value[0] == RegistryFraming.MAGIC) {
            return "; it starts with 0x00 like a schema-registry record: set input.avro.encoding=registry";
        }
        return "";
    }

    /** @return the targets, for {@code inspect} */
    List<InputTargets.Target> targets() {
        return targets.all();
    }
}
