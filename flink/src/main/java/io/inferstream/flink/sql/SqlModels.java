package io.inferstream.flink.sql;

import io.inferstream.codec.PredictionJson;
import io.inferstream.deploy.Deployment;
import io.inferstream.deploy.DeploymentManager;
import io.inferstream.flink.InferenceOptions;
import io.inferstream.flink.ModelDeployment;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.ModelFailureException;
import io.inferstream.model.ModelLoadException;
import io.inferstream.scoring.ScoredRecord;
import io.inferstream.scoring.ScoringPipeline;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models a SQL function instance can name, and their scoring: each model's deployment is started on first use in
 * the function's subtask (so hot swap works here too) and closed with the function. A row's features are either one
 * string, a JSON record exactly as the Kafka value would be, or values (numbers, arrays, strings): all of them into a
 * model with one input (a vector), else one per input in the model's input order. Values are decoded by the JSON
 * decoder's rules without any JSON text ({@link ScoringPipeline#scoreFields}).
 *
 * <p>Thread safety: not thread-safe; Flink calls a function instance from one task thread.
 */
final class SqlModels implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SqlModels.class);

    private final Map<String, ModelDeployment> models;
    private final InferenceOptions options;
    private transient Map<String, DeploymentManager> started;
    private transient Map<String, ScoringPipeline<PredictionJson>> pipelines;

    /** One row's outcome: a prediction, or why the row was rejected. */
    static final class Scored {
        final PredictionJson prediction;
        final String rejection;

        private Scored(PredictionJson prediction, String rejection) {
            this.prediction = prediction;
            this.rejection = rejection;
        }
    }

    SqlModels(Map<String, ModelDeployment> models, InferenceOptions options) {
        this.models = new HashMap<>(models);
        this.options = options;
    }

    /**
     * @throws IllegalArgumentException if no model has that name, or the features do not fit its inputs' layout
     * @throws ModelLoadException if the model does not load
     * @throws ModelFailureException if the model cannot score at all (fails the job; it restarts from a checkpoint)
     */
    Scored score(String model, Object[] features) throws ModelLoadException, ModelFailureException {
        DeploymentManager deployments = deployments(model);
        // Neither way writes or parses JSON: named values are decoded by the JSON decoder's rules, and the model's
        // answer becomes a prediction view straight away.
        ScoringPipeline<PredictionJson> pipeline = pipelines.computeIfAbsent(model,
                m -> new ScoringPipeline<>(0, 1, options.maxRecordBytes(), deployments.traffic(), PredictionJson::of)
                        .decodingFields(options.concatenations(), options.allowNonFinite()));
        Deployment deployment = deployments.acquire();
        ScoredRecord<PredictionJson> outcome;
        try {
            List<byte[]> noKey = java.util.Collections.singletonList(null);
            if (features.length == 1 && features[0] instanceof String) {
                byte[] record = ((String) features[0]).getBytes(StandardCharsets.UTF_8);
                outcome = pipeline.score(deployment, noKey, List.of(record)).outcomes().get(0);
            } else {
                Map<String, Object> fields = fields(deployment.serving().get(0).info().inputs(), features);
                outcome = pipeline.scoreFields(deployment, noKey, List.of(fields)).outcomes().get(0);
            }
        } finally {
            deployment.release();
        }
        pipeline.modelCallsAndReset();
        if (outcome.ok()) {
            return new Scored(outcome.output(), null);
        }
        String reason = outcome.stage() + ": " + outcome.error().getMessage();
        LOG.warn("Model {} rejected a row ({}); the function returns no prediction for it", model, reason);
        return new Scored(null, reason);
    }

    private DeploymentManager deployments(String model) throws ModelLoadException {
        if (started == null) {
            started = new HashMap<>();
            pipelines = new HashMap<>();
        }
        DeploymentManager d = started.get(model);
        if (d == null) {
            ModelDeployment deployment = models.get(model);
            if (deployment == null) {
                throw new IllegalArgumentException("no model '" + model + "' is registered; registered: "
                        + models.keySet());
            }
            d = deployment.start(options, 1);
            started.put(model, d);
        }
        return d;
    }

    /** A row's features as named values (see the class comment), for the JSON decoder's rules. */
    static Map<String, Object> fields(List<FieldSpec> inputs, Object[] features) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (inputs.size() == 1) {
            fields.put(inputs.get(0).name(), features);
        } else if (inputs.size() == features.length) {
            for (int i = 0; i < features.length; i++) {
                fields.put(inputs.get(i).name(), features[i]);
            }
        } else {
            throw new IllegalArgumentException("the model has " + inputs.size() + " inputs " + inputs.stream()
                    .map(FieldSpec::name).toList() + " but PREDICT got " + features.length + " feature values: pass one "
                    + "per input, all of them for a model with one input, or one JSON record string");
        }
        return fields;
    }

    void close() {
        if (started != null) {
            started.values().forEach(DeploymentManager::close);
            started = null;
        }
    }
}
