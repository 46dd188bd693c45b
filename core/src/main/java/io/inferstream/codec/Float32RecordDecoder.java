package io.inferstream.codec;

import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes a record value that is a raw little-endian float32 vector (4 bytes a value, no header) into a model's
 * single numeric input: the fastest codec, with nothing to parse.
 *
 * <p>Thread safety: immutable and thread-safe.
 */
public final class Float32RecordDecoder implements RecordDecoder {
    private final FieldSpec input;
    private final boolean allowNonFinite;

    /** @throws IllegalArgumentException unless the model has exactly one numeric input */
    public Float32RecordDecoder(ModelInfo model, boolean allowNonFinite) {
        if (model.inputs().size() != 1 || !model.inputs().get(0).type().isNumeric()) {
            throw new IllegalArgumentException("input.codec=float32 needs a model with exactly one numeric input; "
                    + "model " + model.name() + " has " + model.inputs());
        }
        this.input = model.inputs().get(0);
        this.allowNonFinite = allowNonFinite;
    }

    @Override
    public Features decode(byte[] value) throws InvalidInputException {
        if (value.length == 0) {
            throw RecordBytes.empty();
        }
        if (value.length % Float.BYTES != 0) {
            throw new MalformedRecordException("float32 value of " + value.length + " bytes is not a multiple of 4 "
                    + "(4 bytes per little-endian float: " + value.length / Float.BYTES + " values and "
                    + value.length % Float.BYTES + (value.length % Float.BYTES == 1 ? " byte" : " bytes") + " over)"
                    + textHint(value));
        }
        int n = value.length / Float.BYTES;
        long declared = input.elementCount();
        if (declared >= 0 && n != declared) {
            throw new InvalidInputException(input.name(), "has " + n + " values (" + value.length + " bytes) but the "
                    + "model needs " + declared + " (" + input.typeAndShape() + ", " + declared * Float.BYTES
                    + " bytes)" + textHint(value));
        }
        float[] floats = new float[n];
        ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(floats);
        if (!allowNonFinite) {
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(floats[i])) {
                    throw new InvalidInputException(input.name(), "element " + i + " is " + floats[i]
                            + ", which is not allowed (set input.allow.nan=true to pass NaN and infinities to the "
                            + "model)");
                }
            }
        }
        long[] shape = JsonRecordDecoder.tensorShape(input, n);
        if (input.type() == DataType.FLOAT) {
            return Features.of(input.name(), Tensor.ofFloats(floats, shape));
        }
        // Another numeric input: convert here, so that e.g. a fraction into an int input is a validate-stage error.
        NumericBuffer converted = new NumericBuffer(input.type(), n);
        for (float f : floats) {
            converted.addNumber(f, null, input.name(), true);
        }
        return Features.of(input.name(), converted.toTensor(shape));
    }

    /**
     * @return a hint when a wrongly sized value is really JSON or CSV text sent to a float32 topic, the likeliest
     *     mix-up (its bytes would otherwise only be called the wrong length)
     */
    private static String textHint(byte[] value) {
        byte first = value[0];
        boolean text = first == '{' || first == '[' || first == '-' || (first >= '0' && first <= '9');
        return text && RecordBytes.notText(value, "", false) == null ? "; it looks like text: is input.codec right?" : "";
    }

    /** @return the little-endian float32 encoding of a vector, as producers of this codec must write it. */
    public static byte[] encode(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return buf.array();
    }
}
