package io.inferstream.tensorflow;

import com.google.protobuf.ByteString;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelLoadException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;

/**
 * TF Serving's "examples" style for a signature that takes serialized {@code tf.Example}s: a record gives
 * named features ({@code {"age": 41.0, "city": "lima"}}) and the adapter writes the {@code tf.Example} itself,
 * one per record, into the signature's one string input.
 *
 * <p>The features are declared by the loader option {@value #OPTION}, because a {@code SavedModel} does not
 * say which features its graph parses, and because the list type of each feature (float_list, int64_list or
 * bytes_list) must match what the graph's {@code ParseExample} expects. TF Serving guesses the list type from
 * the JSON value (an integer becomes int64_list), which fails for a float feature sent as {@code 41}; declaring
 * it avoids that: {@code age:float} puts 41 into a float_list. Syntax, comma-separated:
 * {@code name:type} (one value) or {@code name:type[n]} (n values) or {@code name:type[-1]} (any number, for a
 * variable-length feature), with type {@code float}, {@code int64}, {@code string} or {@code bytes}
 * (both bytes_list: a JSON string as UTF-8, {@code {"b64": "..."}} as its bytes).
 *
 * <p>A feature a record leaves out (absent or null) is left out of its {@code tf.Example}, as TF Serving does,
 * so the graph's own default applies or its parser refuses the record.
 *
 * <p>Thread safety: immutable, safe to share.
 */
final class ExampleEncoding {
    /** Loader option: the features a record gives, written into a {@code tf.Example} by the adapter. */
    static final String OPTION = TensorFlowModelLoader.EXAMPLE_FEATURES;

    private static final Pattern ENTRY = Pattern.compile("([^:\\[\\]\\s]+)\\s*:\\s*([A-Za-z0-9]+)\\s*(?:\\[\\s*(-?[0-9]+)\\s*\\])?");

    private final List<FieldSpec> features;

    private ExampleEncoding(List<FieldSpec> features) {
        this.features = List.copyOf(features);
    }

    /**
     * @param where the model and signature, for messages
     * @param entries the option's comma-separated entries
     * @throws ModelLoadException naming the entry and the syntax when an entry cannot be read
     */
    static ExampleEncoding parse(String where, List<String> entries) throws ModelLoadException {
        List<FieldSpec> features = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (String raw : entries) {
            String entry = raw.trim();
            Matcher m = ENTRY.matcher(entry);
            if (!m.matches()) {
                throw new ModelLoadException(where + ": option " + OPTION + " entry '" + entry + "' is not"
                        + " name:type or name:type[n] (type float, int64, string or bytes; n a count, or -1 for any)");
            }
            String name = m.group(1);
            DataType type;
            switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "float": type = DataType.FLOAT; break;
                case "int64": type = DataType.INT64; break;
                case "string": type = DataType.STRING; break;
                case "bytes": type = DataType.BYTES; break;
                default:
                    throw new ModelLoadException(where + ": option " + OPTION + " entry '" + entry + "' has type '"
                            + m.group(2) + "'; a tf.Example feature is float (float_list), int64 (int64_list),"
                            + " or string/bytes (bytes_list)");
            }
            if (!names.add(name)) {
                throw new ModelLoadException(where + ": option " + OPTION + " names feature '" + name + "' twice");
            }
            if (m.group(3) == null) {
                features.add(FieldSpec.scalar(name, type));
                continue;
            }
            long n = Long.parseLong(m.group(3));
            if (n < -1) {
                throw new ModelLoadException(where + ": option " + OPTION + " entry '" + entry + "': a count is"
                        + " 0 or more, or -1 for any number of values");
            }
            features.add(FieldSpec.tensor(name, type, n));
        }
        if (features.isEmpty()) {
            throw new ModelLoadException(where + ": option " + OPTION + " lists no features");
        }
        return new ExampleEncoding(features);
    }

    /** @return the features a record gives, in the option's order: the model's inputs in this style. */
    List<FieldSpec> features() {
        return features;
    }

    /** @return the option's value written back in its canonical form, for {@code inspect}. */
    String describe() {
        List<String> parts = new ArrayList<>();
        for (FieldSpec f : features) {
            parts.add(f.name() + ":" + f.typeAndShape());
        }
        return String.join(",", parts);
    }

    /**
     * @return one serialized {@code tf.Example} per row, in order
     * @throws InvalidInputException with the row's index and the feature's name for a value of the wrong kind
     *     or count
     */
    byte[][] encode(List<Features> batch) throws InvalidInputException {
        byte[][] out = new byte[batch.size()][];
        for (int r = 0; r < out.length; r++) {
            org.tensorflow.proto.Features.Builder row = org.tensorflow.proto.Features.newBuilder();
            for (FieldSpec spec : features) {
                Tensor value = batch.get(r).get(spec.name());
                if (value != null) {
                    row.putFeature(spec.name(), feature(r, spec, value));
                }
            }
            out[r] = Example.newBuilder().setFeatures(row).build().toByteArray();
        }
        return out;
    }

    private static Feature feature(int row, FieldSpec spec, Tensor value) throws InvalidInputException {
        long declared = spec.elementCount();
        int n = value.size();
        if (declared >= 0 && n != declared) {
            throw new InvalidInputException(row, spec.name(), "has " + n + " values but the tf.Example feature takes "
                    + declared + " (" + spec.typeAndShape() + ")", null);
        }
        switch (spec.type()) {
            case FLOAT: {
                requireNumbers(row, spec, value);
                FloatList.Builder list = FloatList.newBuilder();
                for (int i = 0; i < n; i++) {
                    list.addValue((float) value.getDouble(i)); // exact for a float, rounded from the rest
                }
                return Feature.newBuilder().setFloatList(list).build();
            }
            case INT64: {
                requireNumbers(row, spec, value);
                Int64List.Builder list = Int64List.newBuilder();
                for (int i = 0; i < n; i++) {
                    list.addValue(wholeNumber(row, spec, value, i));
                }
                return Feature.newBuilder().setInt64List(list).build();
            }
            default: {
                BytesList.Builder list = BytesList.newBuilder();
                if (value.type() == DataType.BYTES) {
                    for (byte[] b : value.asBytes()) {
                        list.addValue(ByteString.copyFrom(b));
                    }
                } else if (value.type() == DataType.STRING) {
                    for (String s : value.asStrings()) {
                        list.addValue(ByteString.copyFrom(s, StandardCharsets.UTF_8));
                    }
                } else {
                    throw new InvalidInputException(row, spec.name(), "expected " + spec.type().displayName()
                            + " values for a bytes_list feature, got " + value.type().displayName(), null);
                }
                return Feature.newBuilder().setBytesList(list).build();
            }
        }
    }

    private static void requireNumbers(int row, FieldSpec spec, Tensor value) throws InvalidInputException {
        if (!value.type().isNumeric()) {
            throw new InvalidInputException(row, spec.name(), "expected numbers for a "
                    + (spec.type() == DataType.FLOAT ? "float_list" : "int64_list") + " feature, got "
                    + value.type().displayName(), null);
        }
    }

    /** An int64_list takes whole numbers only: a fraction is the record's error, never silently truncated. */
    private static long wholeNumber(int row, FieldSpec spec, Tensor value, int i) throws InvalidInputException {
        switch (value.type()) {
            case INT64: return value.asLongs()[i];
            case INT32: return value.asInts()[i];
            default:
                double v = value.getDouble(i);
                if (v != Math.rint(v) || Math.abs(v) >= 0x1p63) {
                    throw new InvalidInputException(row, spec.name(), "value " + v + " is not a whole number for an"
                            + " int64_list feature", null);
                }
                return (long) v;
        }
    }
}
