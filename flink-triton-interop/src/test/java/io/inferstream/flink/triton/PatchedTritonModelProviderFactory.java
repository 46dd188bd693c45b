package io.inferstream.flink.triton;

import java.lang.reflect.Field;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.model.triton.TritonInferenceModelFunction;
import org.apache.flink.model.triton.TritonModelProviderFactory;
import org.apache.flink.model.triton.TritonOptions;
import org.apache.flink.model.triton.TritonTypeMapper;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Flink's own Triton provider (flink-model-triton 2.3.0) with two defects of that release mended, as the test provider
 * {@code 'provider' = 'triton-patched'}: everything else, options, the HTTP client, the request it builds and the
 * parsing of the answer, is Flink's unchanged code.
 *
 * <p>The first defect: 2.3.0's {@code AbstractTritonModelFunction.validateSingleColumnSchema} checks the column type with
 * {@code Preconditions.checkArgument(expectedType != null && !expectedType.equals(actual))}, the condition of the
 * {@code if (...) throw} it replaced, not negated. Every INPUT and OUTPUT column is checked with {@code expectedType}
 * null ("any type"), so every {@code CREATE MODEL ... 'provider' = 'triton'} fails when a query plans it, with
 * "input column ... should be null, but is a ...". {@link TritonProviderInteropTest} asserts that failure of the stock
 * provider, so it notices when Flink mends it, and runs this one for the protocol itself.
 *
 * <p>The second: 2.3.0's {@code TritonInferenceModelFunction} holds its gzip buffer in a non-transient
 * {@code ByteArrayOutputStream} field, which is not serializable, so Flink cannot ship the function to a task ("Unable
 * to serialize object"). Here the field is cleared after construction; the function only touches it when the
 * {@code compression} option is set, which this provider therefore refuses. (Flink's later sources allocate the
 * buffer per call instead.)
 *
 * <p>Thread safety: stateless, as Flink's factories are.
 */
public final class PatchedTritonModelProviderFactory extends TritonModelProviderFactory {
    /** The {@code provider} value. */
    public static final String IDENTIFIER = "triton-patched";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper = FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        if (helper.getOptions().get(TritonOptions.COMPRESSION) != null) {
            throw new IllegalArgumentException("the patched Triton provider does not support 'compression'");
        }
        return new TritonModelProviderFactory.Provider(new MendedFunction(context, helper.getOptions()));
    }

    /**
     * Flink's function with the single-column check as its source meant it (one physical column, of that type) and
     * no buffer field. Public: the code Flink generates around it names its class.
     */
    public static final class MendedFunction extends TritonInferenceModelFunction {
        private static final long serialVersionUID = 1L;

        MendedFunction(Context context, ReadableConfig options) {
            super(context, options);
            try {
                Field buffer = TritonInferenceModelFunction.class.getDeclaredField("compressionBuffer");
                buffer.setAccessible(true);
                buffer.set(this, null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("flink-model-triton changed: no compressionBuffer field to clear", e);
            }
        }

        @Override
        protected void validateSingleColumnSchema(ResolvedSchema schema, LogicalType expectedType,
                String inputOrOutput) {
            if (schema.getColumns().size() != 1 || !schema.getColumns().get(0).isPhysical()) {
                throw new IllegalArgumentException("the Triton provider takes one physical " + inputOrOutput
                        + " column, not " + schema.getColumns());
            }
            Column column = schema.getColumns().get(0);
            LogicalType actual = column.getDataType().getLogicalType();
            if (expectedType != null && !expectedType.equals(actual)) {
                throw new IllegalArgumentException(inputOrOutput + " column " + column.getName() + " should be "
                        + expectedType + ", but is a " + actual);
            }
            TritonTypeMapper.toTritonDataType(actual); // fails for a type Triton has no datatype for
        }
    }
}
