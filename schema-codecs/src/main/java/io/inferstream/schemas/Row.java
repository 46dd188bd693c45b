package io.inferstream.schemas;

import io.inferstream.codec.NumericBuffer;
import io.inferstream.data.Features;
import io.inferstream.data.Tensor;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.InvalidInputException;
import java.util.Arrays;
import java.util.List;

/**
 * The model inputs of one record as a schema reader fills them: values put whole, and the scalar fields of a joined
 * input ({@code input.concat}) collected by position until {@link #build()} joins them.
 *
 * <p>Thread safety: not thread-safe; one per record being decoded.
 */
final class Row {
    private final Features.Builder features = Features.builder();
    private final List<FieldSpec> joinedInputs;
    private final List<List<String>> joinedFields;
    private final double[][] joined;
    private final boolean[][] seen;

    Row(List<FieldSpec> joinedInputs, List<List<String>> joinedFields) {
        this.joinedInputs = joinedInputs;
        this.joinedFields = joinedFields;
        this.joined = new double[joinedInputs.size()][];
        this.seen = new boolean[joinedInputs.size()][];
        for (int g = 0; g < joined.length; g++) {
            joined[g] = new double[joinedFields.get(g).size()];
            seen[g] = new boolean[joined[g].length];
        }
    }

    void put(String input, Tensor value) {
        features.put(input, value);
    }

    void join(InputTargets.Target target, double value) {
        joined[target.group][target.position] = value;
        seen[target.group][target.position] = true;
    }

    /**
     * @param required tensor inputs that must have been put (a missing scalar is left to the model's own treatment)
     * @throws InvalidInputException naming a field of a joined input that was null, or a missing tensor input
     */
    Features build(List<FieldSpec> required) throws InvalidInputException {
        for (int g = 0; g < joined.length; g++) {
            FieldSpec input = joinedInputs.get(g);
            NumericBuffer buf = new NumericBuffer(input.type(), joined[g].length);
            for (int i = 0; i < joined[g].length; i++) {
                if (!seen[g][i]) {
                    throw new InvalidInputException(joinedFields.get(g).get(i), "is null (it is joined into input '"
                            + input.name() + "', which takes no missing values)");
                }
                buf.addNumber(joined[g][i], null, joinedFields.get(g).get(i), true);
            }
            features.put(input.name(), buf.toTensor(NumericBuffer.shapeFor(input, buf.size())));
        }
        Features row = features.build();
        for (FieldSpec spec : required) {
            if (!row.has(spec.name())) {
                throw new InvalidInputException(spec.name(), "is null (the model needs " + spec.typeAndShape() + ")");
            }
        }
        return row;
    }

    @Override
    public String toString() {
        return "Row" + Arrays.deepToString(joined);
    }
}
