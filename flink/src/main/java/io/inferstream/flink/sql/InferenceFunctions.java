package io.inferstream.flink.sql;

import io.inferstream.flink.InferenceOptions;
import io.inferstream.flink.ModelDeployment;
import java.util.Map;
import org.apache.flink.table.api.TableEnvironment;

/**
 * Registers Inferstream's SQL functions, the Flink SQL counterpart of a ksqlDB UDF:
 * <pre>{@code
 * InferenceFunctions.register(tableEnv, Map.of(
 *         "fraud", ModelDeployment.path("/models/fraud.onnx"),
 *         "churn", ModelDeployment.modelTopic(Map.of("bootstrap.servers", bootstrap), "models", "churn")),
 *     InferenceOptions.defaults());
 * tableEnv.executeSql("SELECT id, PREDICT('fraud', payload) AS score FROM events");
 * }</pre>
 * <ul>
 *   <li>{@code PREDICT(model_name, features...)} DOUBLE: the primary score ({@link PredictFunction});</li>
 *   <li>{@code PREDICT_LABEL(model_name, features...)} STRING: a classifier's label;</li>
 *   <li>{@code PREDICT_OUTPUTS(model_name, features...)}: a table function of every output value
 *       ({@link PredictOutputsFunction}).</li>
 * </ul>
 * Features are one JSON record string (as the Kafka value would be) or numbers. Each function instance loads the
 * models it names, once per subtask, and follows their deployments (hot swap from a versioned folder or model topic).
 *
 * <p>Thread safety: stateless; call it while building a job.
 */
public final class InferenceFunctions {
    private InferenceFunctions() {
    }

    /** Registers the three functions as temporary system functions of the environment. */
    public static void register(TableEnvironment tableEnv, Map<String, ModelDeployment> models,
            InferenceOptions options) {
        tableEnv.createTemporarySystemFunction("PREDICT", new PredictFunction(new SqlModels(models, options)));
        tableEnv.createTemporarySystemFunction("PREDICT_LABEL", new PredictLabelFunction(new SqlModels(models, options)));
        tableEnv.createTemporarySystemFunction("PREDICT_OUTPUTS",
                new PredictOutputsFunction(new SqlModels(models, options)));
    }
}
