package io.inferstream.schemas;

import io.inferstream.codec.MalformedRecordException;
import io.inferstream.codec.NumericBuffer;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * A writer schema compiled against a model's {@link InputTargets}: a tree of small readers that walks a record's
 * binary body once, field by field in the writer's order, reading the fields that feed an input straight into
 * primitive arrays and skipping the rest. Because the writer schema itself drives the reading and fields are matched
 * by name, records written with any version of a schema are read, whatever fields were added, removed or reordered.
 *
 * <p>Mapping rules: numbers (int, long, float, double, and the logical types on them: date, time and timestamp as
 * their number, decimal as its value) feed numeric inputs; an array of numbers (nested arrays flattened) feeds a
 * tensor input; strings and enum symbols feed string inputs; bytes and fixed feed bytes inputs; a union's null
 * branch leaves the input missing; nested records are reached by dotted paths.
 *
 * <p>Thread safety: immutable; {@link #read} may be called from many threads.
 */
final class AvroReadPlan {
    /** Why a schema cannot feed the model, said once per schema. */
    static final class Unfit extends Exception {
        private static final long serialVersionUID = 1L;

        Unfit(String message) {
            super(message);
        }
    }

    /** Reads one value of the writer's schema, contributing what it feeds to the row. */
    private interface Node {
        void read(AvroBinary in, Row row) throws InvalidInputException;
    }

    /** Reads one element of a numeric array into the tensor being filled. */
    private interface Element {
        void read(AvroBinary in, NumericBuffer buf) throws InvalidInputException;
    }

    /** Reads one number of a numeric Avro type (int, long, float, double, decimal). */
    private interface NumberReader {
        double read(AvroBinary in) throws MalformedRecordException;
    }

    private final Node root;
    private final InputTargets targets;
    private final List<FieldSpec> requiredTensors = new ArrayList<>();
    /** Fields whose type no input can take, collected so that one message names them all. */
    private final List<String> problems = new ArrayList<>();

    private AvroReadPlan(Schema writer, InputTargets targets) throws Unfit {
        this.targets = targets;
        if (writer.getType() != Schema.Type.RECORD) {
            throw new Unfit("the schema is a " + writer.getType().getName() + ", not a record with a field per input");
        }
        List<InputTargets.Target> found = new ArrayList<>();
        this.root = record(writer, "", found);
        List<String> missing = new ArrayList<>();
        for (InputTargets.Target t : targets.all()) {
            if (!found.contains(t)) {
                missing.add("no " + t.describe());
            } else if (!t.joined() && !t.input.isScalar() && !requiredTensors.contains(t.input)) {
                requiredTensors.add(t.input);
            }
        }
        if (!missing.isEmpty() || !problems.isEmpty()) {
            List<String> all = new ArrayList<>(missing);
            all.addAll(problems);
            throw new Unfit("it has " + String.join("; ", all) + (missing.isEmpty() ? ""
                    : "; its fields are " + fieldNames(writer)));
        }
    }

    /**
     * @throws Unfit naming the fields the model needs that the schema lacks, or that have a type no input of the
     *     model can take
     */
    static AvroReadPlan compile(Schema writer, InputTargets targets) throws Unfit {
        return new AvroReadPlan(writer, targets);
    }

    /**
     * Reads the body that starts at {@code offset} and must end with the value.
     *
     * @throws MalformedRecordException if the body is truncated, longer than the schema says, or invalid Avro
     * @throws InvalidInputException if a value does not fit its input (NaN, wrong count, fraction into int, null)
     */
    Features read(byte[] value, int offset) throws InvalidInputException {
        AvroBinary in = new AvroBinary(value, offset);
        Row row = targets.newRow();
        root.read(in, row);
        if (in.remaining() != 0) {
            throw new MalformedRecordException("the Avro body is " + in.remaining() + " byte(s) longer than its schema "
                    + "says (the record was not written with this schema)");
        }
        return row.build(requiredTensors);
    }

    private static String fieldNames(Schema record) {
        List<String> names = new ArrayList<>();
        record.getFields().forEach(f -> names.add(f.name()));
        return names.toString();
    }

    private Node record(Schema schema, String prefix, List<InputTargets.Target> found) throws Unfit {
        List<Node> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            String path = prefix + f.name();
            InputTargets.Target target = targets.at(path);
            if (target != null) {
                found.add(target);
                try {
                    fields.add(target.joined() ? joined(f.schema(), target) : target.input.isScalar()
                            ? scalar(f.schema(), target) : tensor(f.schema(), target));
                } catch (Unfit e) {
                    problems.add(e.getMessage());
                    fields.add(skipper(f.schema()));
                }
            } else if (targets.inside(path) && isRecordOrNullable(f.schema())) {
                fields.add(nested(f.schema(), path, found));
            } else {
                fields.add(skipper(f.schema()));
            }
        }
        Node[] nodes = fields.toArray(new Node[0]);
        return (in, row) -> {
            for (Node n : nodes) {
                n.read(in, row);
            }
        };
    }

    private static boolean isRecordOrNullable(Schema s) {
        if (s.getType() == Schema.Type.RECORD) {
            return true;
        }
        return s.getType() == Schema.Type.UNION && s.getTypes().stream().anyMatch(b -> b.getType() == Schema.Type.RECORD);
    }

    /** A nested record (or a nullable one: null leaves every input inside it missing). */
    private Node nested(Schema schema, String path, List<InputTargets.Target> found) throws Unfit {
        if (schema.getType() == Schema.Type.RECORD) {
            return record(schema, path + ".", found);
        }
        List<Node> branches = new ArrayList<>();
        for (Schema b : schema.getTypes()) {
            branches.add(b.getType() == Schema.Type.RECORD ? record(b, path + ".", found) : skipper(b));
        }
        return union(branches);
    }

    private static Node union(List<Node> branches) {
        Node[] nodes = branches.toArray(new Node[0]);
        return (in, row) -> {
            int at = in.position();
            long index = in.readLong();
            if (index < 0 || index >= nodes.length) {
                throw new MalformedRecordException("not this schema: union branch " + index + " at byte " + at
                        + " (the union has " + nodes.length + ")");
            }
            nodes[(int) index].read(in, row);
        };
    }

    /** A union whose null branch leaves the input missing and whose other branches each feed it. */
    private interface BranchCompiler {
        Node compile(Schema branch) throws Unfit;
    }

    private static Node unionOf(Schema schema, BranchCompiler each) throws Unfit {
        List<Node> branches = new ArrayList<>();
        for (Schema b : schema.getTypes()) {
            branches.add(b.getType() == Schema.Type.NULL ? (in, row) -> { } : each.compile(b));
        }
        return union(branches);
    }

    private Node scalar(Schema schema, InputTargets.Target t) throws Unfit {
        FieldSpec spec = t.input;
        String name = spec.name();
        boolean allowNonFinite = targets.allowNonFinite();
        switch (schema.getType()) {
            case UNION:
                return unionOf(schema, b -> scalar(b, t));
            case BOOLEAN:
                return (in, row) -> row.put(name, Tensor.scalar(in.readBoolean()));
            case STRING:
                return spec.type() == DataType.BYTES
                        ? (in, row) -> row.put(name, Tensor.ofBytes(new byte[][] {in.readBytes()}, new long[0]))
                        : (in, row) -> row.put(name, Tensor.scalar(in.readString()));
            case ENUM: {
                String[] symbols = schema.getEnumSymbols().toArray(new String[0]);
                return (in, row) -> row.put(name, Tensor.scalar(symbol(in, symbols)));
            }
            case INT:
            case LONG:
                if (spec.type() == DataType.INT64 && !(schema.getLogicalType() instanceof LogicalTypes.Decimal)) {
                    return (in, row) -> row.put(name, Tensor.ofLongs(new long[] {in.readLong()}, new long[0]));
                }
                // fall through: any other type takes it as a number
            default: {
                if ((schema.getType() == Schema.Type.BYTES || schema.getType() == Schema.Type.FIXED)
                        && !(schema.getLogicalType() instanceof LogicalTypes.Decimal)) {
                    int size = schema.getType() == Schema.Type.FIXED ? schema.getFixedSize() : -1;
                    return (in, row) -> row.put(name, Tensor.ofBytes(
                            new byte[][] {size < 0 ? in.readBytes() : in.readFixed(size)}, new long[0]));
                }
                NumberReader number = number(schema, t);
                DataType type = spec.type().isNumeric() ? spec.type() : DataType.DOUBLE;
                return (in, row) -> {
                    NumericBuffer buf = new NumericBuffer(type, 1);
                    buf.addNumber(number.read(in), null, name, allowNonFinite);
                    row.put(name, buf.toTensor(new long[0]));
                };
            }
        }
    }

    private Node joined(Schema schema, InputTargets.Target t) throws Unfit {
        if (schema.getType() == Schema.Type.UNION) {
            return unionOf(schema, b -> joined(b, t));
        }
        NumberReader number = number(schema, t);
        boolean allowNonFinite = targets.allowNonFinite();
        DataType type = t.input.type();
        return (in, row) -> {
            double d = number.read(in);
            if (!allowNonFinite && !NumericBuffer.isFiniteAs(d, type)) {
                throw NumericBuffer.notFinite(t.path, Double.toString(d), type);
            }
            row.join(t, d);
        };
    }

    private Node tensor(Schema schema, InputTargets.Target t) throws Unfit {
        FieldSpec spec = t.input;
        if (schema.getType() == Schema.Type.UNION) {
            return unionOf(schema, b -> tensor(b, t));
        }
        long declared = spec.elementCount();
        Element element;
        if (schema.getType() == Schema.Type.ARRAY) {
            element = arrayElements(schema, t);
        } else if (declared == 1) {
            element = numberElement(schema, t);
        } else {
            throw new Unfit(t.describe() + " is " + describe(schema) + ", but the input takes an array of numbers");
        }
        String name = spec.name();
        int capacity = declared > 0 ? (int) Math.min(declared, 1 << 20) : 16;
        return (in, row) -> {
            NumericBuffer buf = new NumericBuffer(spec.type(), capacity);
            element.read(in, buf);
            if (declared >= 0 && buf.size() != declared) {
                throw new InvalidInputException(name, "has " + buf.size() + " values but the model needs " + declared
                        + " (" + spec.typeAndShape() + ")");
            }
            row.put(name, buf.toTensor(NumericBuffer.shapeFor(spec, buf.size())));
        };
    }

    /** An array (of numbers, or of arrays of them), read block by block into the buffer. */
    private Element arrayElements(Schema array, InputTargets.Target t) throws Unfit {
        Schema items = array.getElementType();
        Element item = items.getType() == Schema.Type.ARRAY ? arrayElements(items, t) : numberElement(items, t);
        return (in, buf) -> {
            long count;
            while ((count = in.readLong()) != 0) {
                if (count < 0) {
                    count = -count;
                    in.readLong(); // the block's size in bytes, for skipping; we read every item
                }
                if (count > in.remaining()) {
                    throw new MalformedRecordException("the Avro body ends before the " + count + " array items of "
                            + t.path + " (truncated, or not written with this schema)");
                }
                for (long i = 0; i < count; i++) {
                    item.read(in, buf);
                }
            }
        };
    }

    private Element numberElement(Schema schema, InputTargets.Target t) throws Unfit {
        String name = t.input.name();
        boolean allowNonFinite = targets.allowNonFinite();
        if (schema.getType() == Schema.Type.FLOAT && t.input.type() == DataType.FLOAT) {
            // The image case (784 floats into a float input): no conversion, only the finiteness check.
            return (in, buf) -> {
                float f = in.readFloat();
                if (!allowNonFinite && !Float.isFinite(f)) {
                    throw NumericBuffer.notFinite(name, Float.toString(f), DataType.FLOAT);
                }
                buf.addFloat(f);
            };
        }
        NumberReader number = number(schema, t);
        return (in, buf) -> buf.addNumber(number.read(in), null, name, allowNonFinite);
    }

    private static NumberReader number(Schema schema, InputTargets.Target t) throws Unfit {
        LogicalType logical = schema.getLogicalType();
        if (logical instanceof LogicalTypes.Decimal) {
            int scale = ((LogicalTypes.Decimal) logical).getScale();
            if (schema.getType() == Schema.Type.FIXED) {
                int size = schema.getFixedSize();
                return in -> new BigDecimal(new BigInteger(in.readFixed(size)), scale).doubleValue();
            }
            return in -> {
                byte[] b = in.readBytes();
                if (b.length == 0) {
                    throw new MalformedRecordException("not this schema: decimal field " + t.path + " has 0 bytes");
                }
                return new BigDecimal(new BigInteger(b), scale).doubleValue();
            };
        }
        switch (schema.getType()) {
            case INT:
            case LONG:
                return in -> in.readLong();
            case FLOAT:
                return in -> in.readFloat();
            case DOUBLE:
                return in -> in.readDouble();
            default:
                throw new Unfit(t.describe() + " is " + describe(schema) + ", but the input takes numbers");
        }
    }

    private static String symbol(AvroBinary in, String[] symbols) throws MalformedRecordException {
        int i = in.readInt();
        if (i < 0 || i >= symbols.length) {
            throw new MalformedRecordException("not this schema: enum index " + i + " (the enum has " + symbols.length
                    + " symbols)");
        }
        return symbols[i];
    }

    /** @return e.g. "an int", "an array of float", "a record shop.Payment", "a bytes (decimal)" */
    private static String describe(Schema s) {
        switch (s.getType()) {
            case ARRAY: return "an array of " + s.getElementType().getType().getName();
            case RECORD: return "a record " + s.getFullName();
            case UNION: return "a union of " + s.getTypes().stream().map(b -> b.getType().getName()).toList();
            default:
                String name = s.getType().getName();
                String logical = s.getLogicalType() == null ? "" : " (" + s.getLogicalType().getName() + ")";
                return ("aeiou".indexOf(name.charAt(0)) >= 0 ? "an " : "a ") + name + logical;
        }
    }

    /** @return a node that reads past a value of this schema, feeding nothing */
    private static Node skipper(Schema schema) {
        return skipper(schema, new java.util.IdentityHashMap<>());
    }

    /**
     * @param records the skippers of the records being built, so that a recursive type (a linked list, a tree)
     *     refers to its own skipper instead of building it forever
     */
    private static Node skipper(Schema schema, Map<Schema, Node[]> records) {
        switch (schema.getType()) {
            case NULL:
                return (in, row) -> { };
            case BOOLEAN:
                return (in, row) -> in.skip(1);
            case INT:
            case LONG:
            case ENUM:
                return (in, row) -> in.readLong();
            case FLOAT:
                return (in, row) -> in.skip(4);
            case DOUBLE:
                return (in, row) -> in.skip(8);
            case STRING:
            case BYTES:
                return (in, row) -> in.skip(in.readLength());
            case FIXED: {
                int size = schema.getFixedSize();
                return (in, row) -> in.skip(size);
            }
            case RECORD: {
                Node[] building = records.get(schema);
                if (building != null) {
                    return (in, row) -> building[0].read(in, row);
                }
                Node[] self = new Node[1];
                records.put(schema, self);
                List<Node> fields = new ArrayList<>();
                for (Schema.Field f : schema.getFields()) {
                    fields.add(skipper(f.schema(), records));
                }
                Node[] nodes = fields.toArray(new Node[0]);
                self[0] = (in, row) -> {
                    for (Node n : nodes) {
                        n.read(in, row);
                    }
                };
                records.remove(schema);
                return self[0];
            }
            case UNION: {
                List<Node> branches = new ArrayList<>();
                schema.getTypes().forEach(b -> branches.add(skipper(b, records)));
                return union(branches);
            }
            case ARRAY:
                return blocks(skipper(schema.getElementType(), records), null);
            case MAP:
                return blocks(skipper(schema.getValueType(), records), skipper(Schema.create(Schema.Type.STRING)));
            default:
                throw new IllegalStateException("unknown Avro type " + schema.getType());
        }
    }

    /** Skips an array's or a map's blocks, jumping over a block at once when the writer gave its byte size. */
    private static Node blocks(Node item, Node key) {
        return (in, row) -> {
            long count;
            while ((count = in.readLong()) != 0) {
                if (count < 0) {
                    long bytes = in.readLong();
                    if (bytes < 0 || bytes > in.remaining()) {
                        throw new MalformedRecordException("the Avro body ends inside an array or map block "
                                + "(truncated, or not written with this schema)");
                    }
                    in.skip((int) bytes);
                    continue;
                }
                if (count > in.remaining()) {
                    throw new MalformedRecordException("the Avro body ends before the " + count + " items of an array "
                            + "or map (truncated, or not written with this schema)");
                }
                for (long i = 0; i < count; i++) {
                    if (key != null) {
                        key.read(in, row);
                    }
                    item.read(in, row);
                }
            }
        };
    }
}
