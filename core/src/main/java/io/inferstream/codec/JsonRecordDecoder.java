package io.inferstream.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a JSON object with one field per model input, e.g. {@code {"input": [0.1, 0.2, ...]}} or
 * {@code {"f0": 1.5, "colour": "red"}}.
 *
 * <p>Rules (the ones TF Serving and KServe users already know): fields are matched to inputs by name and other
 * fields are ignored; a number is converted to the input's type (an int into a float input is fine, a fraction
 * into an int input is an error); a tensor input takes a flat or nested array with the declared number of
 * elements; a string goes into a string input as text, and {@code {"b64": "..."}} as bytes; a scalar input
 * also takes a one-element array ({@code [{"b64": "..."}]}, as TF Serving clients send); {@code null} or an
 * absent field is missing. Fields listed in {@code input.concat.<input>} are scalars joined in order into that
 * tensor input. A missing tensor input is an error here; a missing scalar is left for the model's own
 * missing-value treatment.
 *
 * <p>Parsing is streaming (Jackson's {@link JsonParser} with its fast floating-point parser), straight into
 * primitive arrays: decoding, not the model, is the cost of a small model, so this path avoids trees and boxes.
 *
 * <p>Thread safety: immutable and thread-safe.
 */
public final class JsonRecordDecoder implements RecordDecoder {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    private final Map<String, FieldSpec> inputs = new HashMap<>();
    private final List<FieldSpec> requiredTensors = new ArrayList<>();
    private final Map<String, Slot> concatSlots = new HashMap<>();
    private final List<Concatenation> concatenations = new ArrayList<>();
    private final boolean allowNonFinite;

    /** A scalar field's position in a joined tensor input. */
    private static final class Slot {
        final int group;
        final int position;

        Slot(int group, int position) {
            this.group = group;
            this.position = position;
        }
    }

    /** A tensor input made of scalar fields. */
    private static final class Concatenation {
        final FieldSpec input;
        final List<String> fields;

        Concatenation(FieldSpec input, List<String> fields) {
            this.input = input;
            this.fields = fields;
        }
    }

    /**
     * @param model the model whose inputs the records fill
     * @param concatenations tensor input name → scalar fields joined into it, in order
     * @param allowNonFinite whether NaN and infinities may reach the model
     * @throws IllegalArgumentException if a concatenation names an unknown input or its field count does not
     *     match the input's declared size
     */
    public JsonRecordDecoder(ModelInfo model, Map<String, List<String>> concatenations, boolean allowNonFinite) {
        this.allowNonFinite = allowNonFinite;
        for (FieldSpec spec : model.inputs()) {
            inputs.put(spec.name(), spec);
        }
        concatenations.forEach((inputName, fields) -> {
            FieldSpec spec = inputs.remove(inputName);
            if (spec == null) {
                throw new IllegalArgumentException("input.concat." + inputName + ": model " + model.name()
                        + " has no input '" + inputName + "'; its inputs are " + names(model.inputs()));
            }
            long declared = spec.elementCount();
            if (declared >= 0 && declared != fields.size()) {
                throw new IllegalArgumentException("input.concat." + inputName + " lists " + fields.size()
                        + " fields but input '" + inputName + "' of model " + model.name() + " takes " + declared
                        + " values (" + spec.typeAndShape() + ")");
            }
            int group = this.concatenations.size();
            this.concatenations.add(new Concatenation(spec, List.copyOf(fields)));
            for (int i = 0; i < fields.size(); i++) {
                concatSlots.put(fields.get(i), new Slot(group, i));
            }
        });
        for (FieldSpec spec : inputs.values()) {
            if (!spec.isScalar()) {
                requiredTensors.add(spec);
            }
        }
    }

    private static List<String> names(List<FieldSpec> specs) {
        List<String> names = new ArrayList<>();
        specs.forEach(s -> names.add(s.name()));
        return names;
    }

    @Override
    public Features decode(byte[] value) throws InvalidInputException {
        Features.Builder row = Features.builder();
        double[][] joined = new double[concatenations.size()][];
        for (int g = 0; g < joined.length; g++) {
            joined[g] = new double[concatenations.get(g).fields.size()];
            java.util.Arrays.fill(joined[g], Double.NaN);
        }
        boolean[][] seen = new boolean[concatenations.size()][];
        for (int g = 0; g < seen.length; g++) {
            seen[g] = new boolean[joined[g].length];
        }
        try (JsonParser p = FACTORY.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedRecordException("value is not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                FieldSpec spec = inputs.get(name);
                Slot slot = spec == null ? concatSlots.get(name) : null;
                if (v == JsonToken.VALUE_NULL || (spec == null && slot == null)) {
                    p.skipChildren();
                    continue;
                }
                if (spec != null) {
                    row.put(name, spec.isScalar() ? readScalar(p, v, spec) : readTensor(p, v, spec));
                } else {
                    if (!v.isNumeric()) {
                        throw new InvalidInputException(name, "expected a number (it is joined into input '"
                                + concatenations.get(slot.group).input.name() + "'), got " + describe(v));
                    }
                    double d = p.getDoubleValue();
                    checkFinite(d, name);
                    joined[slot.group][slot.position] = d;
                    seen[slot.group][slot.position] = true;
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new MalformedRecordException("trailing content after the JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new MalformedRecordException("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new MalformedRecordException("unreadable JSON: " + e.getMessage());
        }
        for (int g = 0; g < joined.length; g++) {
            Concatenation c = concatenations.get(g);
            NumericBuffer buf = new NumericBuffer(c.input.type(), joined[g].length);
            for (int i = 0; i < joined[g].length; i++) {
                if (!seen[g][i]) {
                    throw new InvalidInputException(c.fields.get(i), "missing (it is joined into input '"
                            + c.input.name() + "')");
                }
                buf.addNumber(joined[g][i], c.fields.get(i), true);
            }
            row.put(c.input.name(), buf.toTensor(tensorShape(c.input, buf.size())));
        }
        Features features = row.build();
        for (FieldSpec spec : requiredTensors) {
            if (!features.has(spec.name())) {
                throw new InvalidInputException(spec.name(), "missing (the model needs " + spec.typeAndShape() + ")");
            }
        }
        return features;
    }

    private Tensor readScalar(JsonParser p, JsonToken v, FieldSpec spec) throws IOException, InvalidInputException {
        String name = spec.name();
        if (v == JsonToken.START_ARRAY) {
            // TF Serving clients often wrap one value in a list (a batch of one there, e.g. [{"b64": "..."}]);
            // with exactly one element it can only mean that element. Two or more would be a guess.
            JsonToken only = p.nextToken();
            if (only == JsonToken.END_ARRAY || only == JsonToken.START_ARRAY) {
                throw new InvalidInputException(name, "expected a single " + spec.type().displayName()
                        + " value, got " + (only == JsonToken.END_ARRAY ? "an empty array" : "a nested array"));
            }
            Tensor value = readScalar(p, only, spec);
            if (p.nextToken() != JsonToken.END_ARRAY) {
                throw new InvalidInputException(name, "expected a single " + spec.type().displayName()
                        + " value, got an array of more than one");
            }
            return value;
        }
        if (v.isNumeric()) {
            NumericBuffer buf = new NumericBuffer(spec.type().isNumeric() ? spec.type() : DataType.DOUBLE, 1);
            addNumber(p, v, buf, name);
            return buf.toTensor(new long[0]);
        }
        if (v == JsonToken.VALUE_STRING) {
            // Passed on as text even for a numeric column: tabular models have their own rules for it.
            return spec.type() == DataType.BYTES
                    ? Tensor.ofBytes(new byte[][] {p.getText().getBytes(java.nio.charset.StandardCharsets.UTF_8)}, new long[0])
                    : Tensor.scalar(p.getText());
        }
        if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
            return Tensor.scalar(v == JsonToken.VALUE_TRUE);
        }
        if (v == JsonToken.START_OBJECT) {
            return Tensor.ofBytes(new byte[][] {readB64(p, name)}, new long[0]);
        }
        throw new InvalidInputException(name, "expected a single " + spec.type().displayName() + " value, got "
                + describe(v));
    }

    private Tensor readTensor(JsonParser p, JsonToken v, FieldSpec spec) throws IOException, InvalidInputException {
        String name = spec.name();
        long declared = spec.elementCount();
        NumericBuffer buf = new NumericBuffer(spec.type(), declared > 0 ? (int) Math.min(declared, 1 << 20) : 16);
        if (v != JsonToken.START_ARRAY) {
            if (declared == 1 && !v.isStructStart()) {
                addElement(p, v, buf, spec);
                return buf.toTensor(spec.shape());
            }
            throw new InvalidInputException(name, "expected an array (" + spec.typeAndShape() + "), got " + describe(v));
        }
        readArray(p, buf, spec, declared);
        if (declared >= 0 && buf.size() != declared) {
            throw new InvalidInputException(name, "has " + buf.size() + " values but the model needs " + declared
                    + " (" + spec.typeAndShape() + ")");
        }
        return buf.toTensor(tensorShape(spec, buf.size()));
    }

    /** Reads a flat or nested array, depth-first, into the buffer. */
    private void readArray(JsonParser p, NumericBuffer buf, FieldSpec spec, long declared)
            throws IOException, InvalidInputException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.START_ARRAY) {
                readArray(p, buf, spec, declared);
            } else {
                if (declared >= 0 && buf.size() >= declared) {
                    throw new InvalidInputException(spec.name(), "has more than the " + declared
                            + " values the model needs (" + spec.typeAndShape() + ")");
                }
                addElement(p, t, buf, spec);
            }
        }
    }

    private void addElement(JsonParser p, JsonToken t, NumericBuffer buf, FieldSpec spec)
            throws IOException, InvalidInputException {
        DataType type = spec.type();
        if (t.isNumeric() && type.isNumeric()) {
            addNumber(p, t, buf, spec.name());
        } else if (t == JsonToken.VALUE_STRING && type == DataType.STRING) {
            buf.addObject(p.getText());
        } else if (t == JsonToken.VALUE_STRING && type == DataType.BYTES) {
            buf.addObject(p.getText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } else if (t == JsonToken.START_OBJECT && (type == DataType.BYTES || type == DataType.STRING)) {
            byte[] bytes = readB64(p, spec.name());
            buf.addObject(type == DataType.BYTES ? bytes : new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        } else if ((t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) && type == DataType.BOOL) {
            buf.addBoolean(t == JsonToken.VALUE_TRUE);
        } else {
            throw new InvalidInputException(spec.name(), "expected " + type.displayName() + " values, got "
                    + describe(t));
        }
    }

    private void addNumber(JsonParser p, JsonToken t, NumericBuffer buf, String name)
            throws IOException, InvalidInputException {
        if (buf.type() == DataType.FLOAT && t == JsonToken.VALUE_NUMBER_FLOAT) {
            float f = p.getFloatValue();
            checkFinite(f, name);
            buf.addFloat(f);
        } else if (t == JsonToken.VALUE_NUMBER_INT && buf.type() == DataType.INT64) {
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new InvalidInputException(name, p.getText() + " does not fit in int64");
            }
            buf.addLong(p.getLongValue());
        } else {
            buf.addNumber(p.getDoubleValue(), name, allowNonFinite);
        }
    }

    private void checkFinite(double d, String name) throws InvalidInputException {
        NumericBuffer.requireFinite(d, name, allowNonFinite);
    }

    /** Reads TF Serving's {@code {"b64": "..."}} convention for binary values. */
    private static byte[] readB64(JsonParser p, String name) throws IOException, InvalidInputException {
        byte[] bytes = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if ("b64".equals(key) && v == JsonToken.VALUE_STRING) {
                try {
                    bytes = Base64.getDecoder().decode(p.getText());
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException(name, "b64 value is not valid base64: " + e.getMessage());
                }
            } else {
                p.skipChildren();
                throw new InvalidInputException(name, "objects are only accepted as {\"b64\": \"...\"}");
            }
        }
        if (bytes == null) {
            throw new InvalidInputException(name, "objects are only accepted as {\"b64\": \"...\"}");
        }
        return bytes;
    }

    /**
     * The per-record shape: the declared one when fixed; with one unknown dimension, that dimension solved from
     * the element count; otherwise a vector (the adapter reshapes by count).
     */
    static long[] tensorShape(FieldSpec spec, int size) throws InvalidInputException {
        long[] shape = spec.shape();
        if (spec.isFixedShape()) {
            return shape;
        }
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                if (unknown >= 0) {
                    return new long[] {size};
                }
                unknown = i;
            } else {
                known *= shape[i];
            }
        }
        if (known == 0 || size % known != 0) {
            throw new InvalidInputException(spec.name(), size + " values do not fit the declared shape "
                    + spec.typeAndShape());
        }
        shape[unknown] = size / known;
        return shape;
    }

    private static String describe(JsonToken t) {
        switch (t) {
            case START_ARRAY: return "an array";
            case START_OBJECT: return "an object";
            case VALUE_STRING: return "a string";
            case VALUE_TRUE:
            case VALUE_FALSE: return "a boolean";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT: return "a number";
            default: return String.valueOf(t);
        }
    }
}
