package io.inferstream.flink.sql;

import io.inferstream.flink.InferenceOptions;
import io.inferstream.flink.ModelDeployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelLoadException;
import java.util.List;
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
 *       ({@link PredictOutputsFunction});</li>
 *   <li>with {@link #registerOutputColumns}, a table function of one model with a column per output.</li>
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

    /**
     * Registers a table function of one model whose columns are the model's outputs, plus {@code label} and
     * {@code error} ({@link OutputColumnsFunction}):
     * {@code SELECT e.id, o.probabilities FROM events AS e, LATERAL TABLE(FRAUD(e.payload)) AS o}. It loads the
     * model once here, in the client, to learn the outputs' names and types.
     *
     * @throws ModelLoadException if the model does not load
     */
    public static void registerOutputColumns(TableEnvironment tableEnv, String functionName, String modelName,
            ModelDeployment deployment, InferenceOptions options) throws ModelLoadException {
        List<FieldSpec> outputs;
        try (DeploymentManager started = deployment.start(options, 1)) {
            outputs = started.peek().orElseThrow().serving().get(0).info().outputs();
        }
        tableEnv.createTemporarySystemFunction(functionName, new OutputColumnsFunction(
                new SqlModels(Map.of(modelName, deployment), options), modelName, outputs));
    }
}
