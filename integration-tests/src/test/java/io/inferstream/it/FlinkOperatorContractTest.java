package io.inferstream.it;

import static io.inferstream.it.ContractModels.BATCH;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.flink.FlinkInference;
import io.inferstream.flink.InferenceInput;
import io.inferstream.flink.InferenceOptions;
import io.inferstream.flink.InferenceOutput;
import io.inferstream.flink.LocalFlink;
import io.inferstream.flink.ModelDeployment;
import io.inferstream.it.ContractModels.ContractModel;
import io.inferstream.it.ContractModels.Rows;
import io.inferstream.model.ModelProvider;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.ScoringPipeline;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cross-framework contract through the Flink operator: the contract model of every format (the same
 * {@link ReferenceClassifier}, made by each framework as its adapter's contract test makes it) scores the same
 * records byte for byte alike through the engine's {@link ScoringPipeline} and through {@link FlinkInference#score}
 * in a job on a local MiniCluster (a bounded in-memory source, no broker), and both match the plain-Java reference.
 * The operator decodes with its own serializable options ({@code concatenate}, {@code classLabels}) built from the
 * engine's settings, so this also checks that those options decode as the engine's configuration does.
 * {@link StreamsProcessorContractTest} is the same through the Kafka Streams processor.
 */
class FlinkOperatorContractTest {
    /**
     * The models under test by name: a job's deployment must be serializable and the contract models' loaders are
     * not, so the deployment carries only this name. The MiniCluster runs in this JVM and sees the same map.
     */
    private static final Map<String, ModelProvider> PROVIDERS = new ConcurrentHashMap<>();

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.inferstream.it.ContractModels#models")
    void theFlinkOperatorScoresEveryContractModelAsTheEngineDoes(ContractModel m) throws Exception {
        ModelProvider provider = ContractModels.provider(m, dir);
        EngineConfig config = m.config();
        Rows rows = Rows.sample();
        List<byte[]> engine = ContractModels.scoreWithEngine(m, provider, rows);

        InferenceOptions.Builder options = InferenceOptions.builder().maxBatchSize(BATCH)
                // Only full batches and the end of input flush: the batches are the engine's, whatever the load.
                .maxBatchDelay(Duration.ofHours(1))
                .classLabels(config.getList(EngineConfig.MODEL_CLASS_LABELS),
                        config.getString(EngineConfig.MODEL_CLASS_OUTPUT));
        config.inputConcatenations().forEach(options::concatenate);

        String name = m.name();
        PROVIDERS.put(name, provider);
        List<InferenceOutput> out = new ArrayList<>();
        List<InferenceOutput> dead = new ArrayList<>();
        try {
            List<InferenceInput> inputs = new ArrayList<>();
            for (int i = 0; i < ContractModels.ROWS; i++) {
                inputs.add(InferenceInput.of(rows.keys().get(i), rows.values().get(i)));
            }
            StreamExecutionEnvironment env = LocalFlink.environment(1, 0);
            SingleOutputStreamOperator<InferenceOutput> scored = FlinkInference.score(
                    env.fromData(inputs, TypeInformation.of(InferenceInput.class)),
                    ModelDeployment.of("model", () -> PROVIDERS.get(name).load()), options.build());
            try (CloseableIterator<InferenceOutput> it = scored.union(scored.getSideOutput(
                    FlinkInference.DEAD_LETTERS)).executeAndCollect("contract-" + name)) {
                it.forEachRemaining(o -> (o.deadLetter ? dead : out).add(o));
            }
        } finally {
            PROVIDERS.remove(name);
        }

        assertTrue(dead.isEmpty(), () -> m + ": " + dead.size() + " dead letters, the first " + dead.get(0));
        ContractModels.assertSameAsEngine(m, "Flink", rows, engine, out.stream().map(o -> o.key).toList(),
                out.stream().map(o -> o.value).toList());
    }
}
