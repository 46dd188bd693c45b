package io.inferstream.flink.model;

import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;

/**
 * Flink SQL's {@code 'provider' = 'inferstream'}:
 * <pre>{@code
 * CREATE MODEL fraud
 *   INPUT (amount DOUBLE, merchant_risk DOUBLE, ...)
 *   OUTPUT (label STRING, probability DOUBLE)
 *   WITH ('provider' = 'inferstream', 'model.path' = '/models/fraud.onnx');
 * SELECT * FROM ML_PREDICT(TABLE transactions, MODEL fraud, DESCRIPTOR(amount, merchant_risk, ...));
 * }</pre>
 * The options are the engine's configuration keys (see {@link ModelOptions}), checked here, when the statement is
 * planned, so a typo fails before the job starts. The model itself is loaded by each parallel instance of the
 * function on the task managers.
 *
 * <p>Thread safety: stateless.
 */
public final class InferstreamModelProviderFactory implements ModelProviderFactory {
    /** The {@code provider} value. */
    public static final String IDENTIFIER = "inferstream";

    @Override
    public ModelProvider createModelProvider(Context context) {
        try {
            return new InferstreamModelProvider(new ModelSpec(context.getObjectIdentifier().asSummaryString(),
                    context.getCatalogModel()));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(e.getMessage(), e);
        }
    }

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    /** None declared: every engine key is accepted and validated by the engine's own configuration definition. */
    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of();
    }
}
