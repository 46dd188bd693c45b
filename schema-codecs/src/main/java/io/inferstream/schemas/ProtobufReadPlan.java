package io.inferstream.schemas;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.inferstream.codec.NumericBuffer;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * A Protobuf message type compiled against a model's {@link InputTargets}: for each input, the chain of fields that
 * leads to its value. Numbers feed numeric inputs, repeated numbers feed tensor inputs, strings and enum names feed
 * string inputs, bytes feed bytes inputs; a field with presence ({@code optional}, a message, a wrapper such as
 * {@code google.protobuf.FloatValue}) that is not set leaves the input missing, as a null does in Avro; a proto3 field
 * without presence reads as its default, as every Protobuf reader does.
 *
 * <p>Thread safety: immutable.
 */
final class ProtobufReadPlan {
    /** One input's field chain. */
    private static final class Path {
        final InputTargets.Target target;
        final FieldDescriptor[] chain;

        Path(InputTargets.Target target, FieldDescriptor[] chain) {
            this.target = target;
            this.chain = chain;
        }
    }

    private final Descriptor type;
    private final InputTargets targets;
    private final List<Path> paths = new ArrayList<>();
    private final List<FieldSpec> requiredTensors = new ArrayList<>();
    private final ProtobufWireReader reader;

    /** @throws AvroReadPlan.Unfit naming the fields the message lacks or that cannot feed their input */
    ProtobufReadPlan(Descriptor type, InputTargets targets) throws AvroReadPlan.Unfit {
        this.type = type;
        this.targets = targets;
        List<String> problems = new ArrayList<>();
        for (InputTargets.Target t : targets.all()) {
            String[] names = t.path.split("\\.");
            FieldDescriptor[] chain = new FieldDescriptor[names.length];
            Descriptor at = type;
            String problem = null;
            for (int i = 0; i < names.length && problem == null; i++) {
                FieldDescriptor f = at.findFieldByName(names[i]);
                if (f == null) {
                    problem = "no " + t.describe() + " (message " + at.getFullName() + " has no field '" + names[i] + "')";
                } else if (i < names.length - 1) {
                    if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE || f.isRepeated()) {
                        problem = t.describe() + ": '" + names[i] + "' is not a nested message";
                    } else {
                        at = f.getMessageType();
                    }
                }
                chain[i] = f;
            }
            if (problem == null) {
                problem = checkLeaf(t, chain[chain.length - 1]);
            }
            if (problem != null) {
                problems.add(problem);
                continue;
            }
            paths.add(new Path(t, chain));
            if (!t.joined() && !t.input.isScalar() && !requiredTensors.contains(t.input)) {
                requiredTensors.add(t.input);
            }
        }
        if (!problems.isEmpty()) {
            throw new AvroReadPlan.Unfit(String.join("; ", problems));
        }
        List<FieldDescriptor[]> chains = new ArrayList<>();
        List<FieldSpec> specs = new ArrayList<>();
        List<Boolean> tensors = new ArrayList<>();
        for (Path p : paths) {
            chains.add(p.chain);
            specs.add(p.target.input);
            tensors.add(!p.target.joined() && !p.target.input.isScalar());
        }
        this.reader = new ProtobufWireReader(chains, specs, tensors, targets.allowNonFinite());
    }

    private static String checkLeaf(InputTargets.Target t, FieldDescriptor leaf) {
        FieldDescriptor value = wrapped(leaf);
        boolean numeric = isNumber(value);
        if (t.joined() && (!numeric || leaf.isRepeated())) {
            return t.describe() + " is " + describe(leaf) + ", but it is joined into a numeric input";
        }
        if (!t.joined() && !t.input.isScalar() && !(numeric && (leaf.isRepeated() || t.input.elementCount() == 1))) {
            return t.describe() + " is " + describe(leaf) + ", but the input takes repeated numbers";
        }
        if (!t.joined() && t.input.isScalar() && (leaf.isRepeated() || value.getJavaType() == FieldDescriptor.JavaType.MESSAGE)) {
            return t.describe() + " is " + describe(leaf) + ", but the input takes one value";
        }
        return null;
    }

    /** @return the {@code value} field of a wrapper message (google.protobuf.FloatValue ...), else the field itself */
    static FieldDescriptor wrapped(FieldDescriptor f) {
        if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isRepeated()
                && f.getMessageType().getFullName().startsWith("google.protobuf.")
                && f.getMessageType().getFullName().endsWith("Value") && f.getMessageType().findFieldByName("value") != null) {
            return f.getMessageType().findFieldByName("value");
        }
        return f;
    }

    private static boolean isNumber(FieldDescriptor f) {
        switch (f.getJavaType()) {
            case INT:
            case LONG:
            case FLOAT:
            case DOUBLE:
                return true;
            default:
                return false;
        }
    }

    private static String describe(FieldDescriptor f) {
        return (f.isRepeated() ? "repeated " : "") + (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                ? "message " + f.getMessageType().getFullName() : f.getType().name().toLowerCase(java.util.Locale.ROOT));
    }

    Descriptor type() {
        return type;
    }

    /**
     * @throws io.inferstream.codec.MalformedRecordException if the bytes are not a message of this type
     * @throws InvalidInputException if a value does not fit its input
     */
    Features read(byte[] bytes, int offset) throws InvalidInputException {
        ProtobufWireReader.Values v = reader.read(bytes, offset, type);
        Row row = targets.newRow();
        boolean allowNonFinite = targets.allowNonFinite();
        for (int slot = 0; slot < paths.size(); slot++) {
            Path p = paths.get(slot);
            FieldDescriptor leaf = p.chain[p.chain.length - 1];
            InputTargets.Target t = p.target;
            FieldSpec spec = t.input;
            boolean tensor = !t.joined() && !spec.isScalar();
            Object value = v.scalars[slot];
            if (!v.seen[slot]) {
                // Not carried: missing if the field (or a message on the way) has presence, else its default.
                if (!v.parentSeen[slot] || (leaf.hasPresence() && !leaf.isRepeated())) {
                    continue;
                }
                value = tensor ? null : ProtobufWireReader.defaultOf(leaf);
            }
            if (t.joined()) {
                double d = ((Number) value).doubleValue();
                if (!allowNonFinite && !NumericBuffer.isFiniteAs(d, spec.type())) {
                    throw NumericBuffer.notFinite(t.path, Double.toString(d), spec.type());
                }
                row.join(t, d);
            } else if (tensor) {
                NumericBuffer buf = v.tensors[slot] != null ? v.tensors[slot] : new NumericBuffer(spec.type(), 1);
                long declared = spec.elementCount();
                if (declared >= 0 && buf.size() != declared) {
                    throw new InvalidInputException(spec.name(), "has " + buf.size() + " values but the model needs "
                            + declared + " (" + spec.typeAndShape() + ")");
                }
                row.put(spec.name(), buf.toTensor(NumericBuffer.shapeFor(spec, buf.size())));
            } else {
                row.put(spec.name(), scalar(value, spec, allowNonFinite));
            }
        }
        return row.build(requiredTensors);
    }

    private static Tensor scalar(Object value, FieldSpec spec, boolean allowNonFinite) throws InvalidInputException {
        if (value instanceof Boolean) {
            return Tensor.scalar((Boolean) value);
        }
        if (value instanceof String) {
            return Tensor.scalar((String) value);
        }
        if (value instanceof byte[]) {
            return Tensor.ofBytes(new byte[][] {(byte[]) value}, new long[0]);
        }
        if (value instanceof Long && spec.type() == DataType.INT64) {
            return Tensor.ofLongs(new long[] {(Long) value}, new long[0]);
        }
        NumericBuffer buf = new NumericBuffer(spec.type().isNumeric() ? spec.type() : DataType.DOUBLE, 1);
        buf.addNumber(((Number) value).doubleValue(), null, spec.name(), allowNonFinite);
        return buf.toTensor(new long[0]);
    }
}
