package io.inferstream.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
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
 * <p>A value that is not one JSON object is a decode error whose message says what is wrong in the user's terms
 * (empty, not UTF-8, truncated, an array instead of an object, nested deeper than {@value #MAX_NESTING_DEPTH}
 * levels, a field named twice) rather than in the parser's; raw bytes are never echoed, only a short hex preview.
 *
 * <p>The same rules apply to named Java values ({@link #decode(Map)}), read as the same token stream without any JSON
 * text: a host whose records are already values (Flink SQL) gets exactly these coercions and messages.
 *
 * <p>Parsing is streaming (Jackson's {@link JsonParser} with its fast floating-point parser), straight into
 * primitive arrays: decoding, not the model, is the cost of a small model, so this path avoids trees and boxes.
 *
 * <p>Thread safety: immutable and thread-safe.
 */
public final class JsonRecordDecoder implements RecordDecoder {
    /**
     * Deepest nesting of arrays and objects accepted (the record object is level 1). A tensor of rank 63 still fits;
     * the limit is what keeps a hostile 10,000-deep value a clean decode error rather than deep recursion.
     */
    static final int MAX_NESTING_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
            .build();

    private static final java.util.regex.Pattern UNRECOGNIZED_TOKEN =
            java.util.regex.Pattern.compile("^Unrecognized token '(.*)': ");

    /** Inputs filled by a field of their own name, each with its position in the per-record "seen" flags. */
    private final Map<String, Input> inputs = new HashMap<>();
    private final List<FieldSpec> requiredTensors = new ArrayList<>();
    private final Map<String, Slot> concatSlots = new HashMap<>();
    private final List<Concatenation> concatenations = new ArrayList<>();
    private final boolean allowNonFinite;
    /** The fields a record should have, for the message when it is not an object at all. */
    private final String expectedFields;

    /** An input filled by the field of its name. */
    private static final class Input {
        final FieldSpec spec;
        final int index;

        Input(FieldSpec spec, int index) {
            this.spec = spec;
            this.index = index;
        }
    }

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
            if (!concatenations.containsKey(spec.name())) {
                inputs.put(spec.name(), new Input(spec, inputs.size()));
            }
        }
        concatenations.forEach((inputName, fields) -> {
            FieldSpec spec = model.input(inputName);
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
        for (Input input : inputs.values()) {
            if (!input.spec.isScalar()) {
                requiredTensors.add(input.spec);
            }
        }
        List<String> fields = new ArrayList<>();
        for (FieldSpec spec : model.inputs()) {
            fields.addAll(concatenations.getOrDefault(spec.name(), List.of(spec.name())));
        }
        this.expectedFields = String.join(", ", fields);
    }

    private static List<String> names(List<FieldSpec> specs) {
        List<String> names = new ArrayList<>();
        specs.forEach(s -> names.add(s.name()));
        return names;
    }

    /** One record's fields as they are read: the row, and the scalar fields joined into tensor inputs. */
    private final class Fields {
        final Features.Builder row = Features.builder();
        final double[][] joined = new double[concatenations.size()][];
        final boolean[][] seen = new boolean[concatenations.size()][];

        Fields() {
            for (int g = 0; g < joined.length; g++) {
                joined[g] = new double[concatenations.get(g).fields.size()];
                java.util.Arrays.fill(joined[g], Double.NaN);
                seen[g] = new boolean[joined[g].length];
            }
        }
    }

    @Override
    public Features decode(byte[] value) throws InvalidInputException {
        Fields fields = new Fields();
        if (value.length == 0) {
            throw RecordBytes.empty();
        }
        try (JsonParser p = FACTORY.createParser(value)) {
            try {
                readObject(p, value, fields);
            } catch (StreamConstraintsException e) {
                throw beyondLimits(e);
            } catch (JsonProcessingException e) {
                throw malformed(value, p, e);
            }
        } catch (IOException e) {
            // Not a parse error but a failure to read characters at all: Jackson took leading zero bytes for
            // UTF-16/32 and met bytes that are no such text either.
            MalformedRecordException notText = RecordBytes.notText(value, "JSON", true);
            throw notText != null ? notText : new MalformedRecordException("unreadable JSON: " + e.getMessage());
        }
        return complete(fields);
    }

    /**
     * Decodes named Java values by the same rules as a JSON record, with no JSON text written or parsed: the values
     * are read as the token stream a JSON record gives ({@link JavaValuesParser}), so every coercion, check and
     * message is this class's own. For a host whose records are already values, e.g. a Flink SQL row's columns.
     *
     * @param values field name to value: null, a {@link Boolean}, a {@link Number}, a {@link CharSequence},
     *     {@code byte[]} (binary, as {@code {"b64": ...}} in JSON), or an array of those as a {@link List}, an
     *     {@code Object[]} or a primitive array ({@code float[]}, {@code double[]}, ...), nested or flat
     * @throws InvalidInputException as {@link #decode(byte[])} for the same values written as JSON
     */
    public Features decode(Map<String, ?> values) throws InvalidInputException {
        Fields fields = new Fields();
        try (JsonParser p = new JavaValuesParser(values)) {
            p.nextToken(); // the record's START_OBJECT
            readFields(p, fields);
        } catch (IOException e) {
            throw new IllegalStateException("reading Java values does no I/O", e);
        }
        return complete(fields);
    }

    /** Joins the scalar fields into their tensor inputs and checks that every tensor input is there. */
    private Features complete(Fields fields) throws InvalidInputException {
        Features.Builder row = fields.row;
        double[][] joined = fields.joined;
        boolean[][] seen = fields.seen;
        for (int g = 0; g < joined.length; g++) {
            Concatenation c = concatenations.get(g);
            NumericBuffer buf = new NumericBuffer(c.input.type(), joined[g].length);
            for (int i = 0; i < joined[g].length; i++) {
                if (!seen[g][i]) {
                    throw new InvalidInputException(c.fields.get(i), "missing (it is joined into input '"
                            + c.input.name() + "')");
                }
                buf.addNumber(joined[g][i], null, c.fields.get(i), true);
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

    private void readObject(JsonParser p, byte[] value, Fields fields) throws IOException, InvalidInputException {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw new MalformedRecordException("no JSON value: only white space (" + value.length + " bytes)");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new MalformedRecordException("not a JSON object: found " + describe(first)
                    + "; a record must be an object with a field per model input (" + expectedFields + ")");
        }
        JsonToken t = readFields(p, fields);
        if (t != JsonToken.END_OBJECT) {
            throw new MalformedRecordException("not valid JSON: unexpected " + describe(t) + " in the object");
        }
        // Only white space may follow; checked on the bytes rather than by asking the parser for another token, so
        // the message can say where the extra content starts (the parser reports where an unknown word ends).
        for (long i = p.currentLocation().getByteOffset(); i < value.length; i++) {
            byte b = value[(int) i];
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                throw new MalformedRecordException("trailing content after the JSON object at byte " + i
                        + ": a record holds exactly one object");
            }
        }
    }

    /**
     * Reads the fields of the record object the parser is in, up to the token after the last one: the rules every
     * record follows, whether its tokens come from JSON text or from Java values.
     */
    private JsonToken readFields(JsonParser p, Fields fields) throws IOException, InvalidInputException {
        Features.Builder row = fields.row;
        double[][] joined = fields.joined;
        boolean[][] seen = fields.seen;
        boolean[] present = new boolean[inputs.size()];
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            Input input = inputs.get(name);
            FieldSpec spec = input == null ? null : input.spec;
            Slot slot = spec == null ? concatSlots.get(name) : null;
            // {"features":[..],"features":[..]} is ambiguous (which one did the producer mean?), and scoring the
            // last one silently would hide a producer bug. Checked here for the fields the model reads, with a
            // flag per input, rather than by Jackson's STRICT_DUPLICATE_DETECTION, which keeps a hash set of every
            // name of every object and cost tabular records (10 fields) about 10% of their decode rate, measured;
            // a repeated field that is ignored anyway cannot change a prediction.
            if (input != null) {
                if (present[input.index]) {
                    throw duplicate(name);
                }
                present[input.index] = true;
            } else if (slot != null && seen[slot.group][slot.position]) {
                throw duplicate(name);
            }
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
                DataType joinedType = concatenations.get(slot.group).input.type();
                if (!allowNonFinite && !NumericBuffer.isFiniteAs(d, joinedType)) {
                    throw NumericBuffer.notFinite(name, p.getText(), joinedType);
                }
                joined[slot.group][slot.position] = d;
                seen[slot.group][slot.position] = true;
            }
        }
        return t;
    }

    private static MalformedRecordException duplicate(String field) {
        return new MalformedRecordException(field, "appears more than once in the object; a JSON object names each "
                + "field once (which value was meant is ambiguous)");
    }

    /** Says why the parser gave up, in the user's terms rather than Jackson's. */
    private static MalformedRecordException malformed(byte[] value, JsonParser p, JsonProcessingException e) {
        // Binary or mis-encoded data is the most common cause and the parser's own words for it are garbled text.
        MalformedRecordException notText = RecordBytes.notText(value, "JSON", true);
        if (notText != null) {
            return notText;
        }
        if (e instanceof JsonEOFException) {
            return new MalformedRecordException("truncated JSON: input ends at byte " + value.length + " inside "
                    + unfinished(p, ((JsonEOFException) e).getTokenBeingDecoded()));
        }
        String reason = e.getOriginalMessage();
        long at = e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
        java.util.regex.Matcher token = UNRECOGNIZED_TOKEN.matcher(reason);
        if (token.find()) {
            String word = token.group(1);
            int start = lastIndexOf(value, word.getBytes(java.nio.charset.StandardCharsets.UTF_8), at);
            return new MalformedRecordException("not valid JSON: unexpected word " + RecordBytes.quote(word)
                    + (start >= 0 ? " at byte " + start : "") + " (strings need double quotes; only true, false, null, "
                    + "numbers, NaN and Infinity are bare words)");
        }
        return new MalformedRecordException("not valid JSON" + (at >= 0 ? " at byte " + at : "") + ": "
                + plainReason(reason));
    }

    /**
     * Jackson reports where it stopped reading after an unknown word (the word's end, or one byte past it); the
     * user looks for where the word starts.
     *
     * @return the start of the last occurrence of {@code word} that ends at or before {@code end}, or -1
     */
    private static int lastIndexOf(byte[] value, byte[] word, long end) {
        for (int i = (int) Math.min(end, value.length) - word.length; i >= 0; i--) {
            if (java.util.Arrays.equals(value, i, i + word.length, word, 0, word.length)) {
                return i;
            }
        }
        return -1;
    }

    /** @return what an end of input cut short, e.g. "an object" */
    private static String unfinished(JsonParser p, JsonToken beingDecoded) {
        if (beingDecoded == JsonToken.VALUE_STRING) {
            return "a string";
        }
        if (beingDecoded == JsonToken.FIELD_NAME) {
            return "a field name";
        }
        if (beingDecoded != null && beingDecoded.isNumeric()) {
            return "a number";
        }
        return p.getParsingContext().inArray() ? "an array" : p.getParsingContext().inObject() ? "an object" : "a value";
    }

    /**
     * Jackson's message without what is noise to a user: its source-location note (the source is deliberately not
     * recorded, so Jackson says "REDACTED"), character codes and the long list of what a JSON value may be.
     */
    private static String plainReason(String jackson) {
        String s = jackson.replaceAll(" \\(start marker at \\[.*", "")
                .replaceAll(" \\(code \\d+\\)", "")
                .replaceAll(", from `[^`]*`", "")
                .replaceAll("(expected a valid value|was expecting) \\(JSON String, Number.*'false'\\)",
                        "expected a JSON value");
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    /** Maps Jackson's processing limits to what the record did; the nesting limit is ours. */
    private static MalformedRecordException beyondLimits(StreamConstraintsException e) {
        String reason = e.getOriginalMessage();
        if (reason.contains("nesting depth")) {
            return new MalformedRecordException("JSON nested deeper than " + MAX_NESTING_DEPTH + " levels");
        }
        return new MalformedRecordException("JSON value beyond the parser's limits: " + plainReason(reason));
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
        if (isBinary(v)) {
            return Tensor.ofBytes(new byte[][] {readBinary(p, v, name)}, new long[0]);
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
        } else if (isBinary(t) && (type == DataType.BYTES || type == DataType.STRING)) {
            // Kept as bytes even for a string input: {"b64": ...} is how binary data (a serialized tf.Example, an
            // image) travels, and decoding it as UTF-8 would replace every invalid sequence with U+FFFD. A string
            // tensor with a b64 element becomes a bytes tensor (NumericBuffer#toTensor), which string inputs take.
            buf.addObject(readBinary(p, t, spec.name()));
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
            if (!allowNonFinite && !Float.isFinite(f)) {
                throw NumericBuffer.notFinite(name, p.getText(), DataType.FLOAT);
            }
            buf.addFloat(f);
        } else if (t == JsonToken.VALUE_NUMBER_INT && buf.type() == DataType.INT64) {
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw new InvalidInputException(name, p.getText() + " does not fit in int64");
            }
            buf.addLong(p.getLongValue());
        } else {
            double d = p.getDoubleValue();
            if (!allowNonFinite && !NumericBuffer.isFiniteAs(d, buf.type())) {
                // Checked here, where the text as written is at hand, only when it is needed.
                throw NumericBuffer.notFinite(name, p.getText(), buf.type());
            }
            buf.addNumber(d, null, name, allowNonFinite);
        }
    }

    /** @return whether the token starts a binary value: {@code {"b64": ...}} in JSON, {@code byte[]} among values */
    private static boolean isBinary(JsonToken t) {
        return t == JsonToken.START_OBJECT || t == JsonToken.VALUE_EMBEDDED_OBJECT;
    }

    private static byte[] readBinary(JsonParser p, JsonToken t, String name) throws IOException, InvalidInputException {
        return t == JsonToken.VALUE_EMBEDDED_OBJECT ? (byte[]) p.getEmbeddedObject() : readB64(p, name);
    }

    /** Reads TF Serving's {@code {"b64": "..."}} convention for binary values. */
    private static byte[] readB64(JsonParser p, String name) throws IOException, InvalidInputException {
        byte[] bytes = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            if ("b64".equals(key) && bytes != null) {
                throw duplicate(name + ".b64");
            }
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
            case VALUE_NULL: return "null";
            case VALUE_EMBEDDED_OBJECT: return "bytes";
            default: return String.valueOf(t);
        }
    }
}
