package io.inferstream.flink;

import static io.inferstream.flink.TestNets.NET;
import static io.inferstream.flink.TestNets.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.PredictionJson;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.model.ForwardingModel;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.model.RetriableInferenceException;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.scoring.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The async variant retries a batch the model could not answer now (a stand-in for a remote model: a local network
 * that answers "retry later" to its first calls) and keeps input order; the operator swaps to a new version dropped
 * into a versioned folder, or published to a model topic on a real broker, without a restart.
 */
class AsyncAndHotSwapTest {
    /** Calls the flaky model still answers with "retry later". */
    static final AtomicInteger UNAVAILABLE = new AtomicInteger();
    static final AtomicInteger CALLS = new AtomicInteger();

    @TempDir
    Path dir;

    @Test
    void theAsyncVariantRetriesABatchTheModelCouldNotAnswerAndKeepsOrder() throws Exception {
        float[][] rows = NET.sampleInputs(300, 4);
        String path = TestNets.write(dir).toString();
        UNAVAILABLE.set(3);
        CALLS.set(0);
        ModelDeployment flaky = flaky(path);
        List<InferenceInput> inputs = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            inputs.add(InferenceInput.of(utf8("k" + i), TestNets.record(rows[i])));
        }
        inputs.add(InferenceInput.of(utf8("bad"), utf8("not json")));
        StreamExecutionEnvironment env = LocalFlink.environment(1, 0);
        InferenceOptions options = InferenceOptions.builder().maxBatchSize(50).warmupRecords(0).asyncConcurrency(2)
                .retry(5, Duration.ofMillis(20), Duration.ofMillis(200)).build();
        var scored = FlinkInference.scoreAsync(env.fromData(inputs, TypeInformation.of(InferenceInput.class)), flaky,
                options);
        List<InferenceOutput> out = new ArrayList<>();
        List<InferenceOutput> dead = new ArrayList<>();
        try (CloseableIterator<InferenceOutput> it = scored.union(scored.getSideOutput(FlinkInference.DEAD_LETTERS))
                .executeAndCollect()) {
            it.forEachRemaining(o -> (o.deadLetter ? dead : out).add(o));
        }
        assertEquals(1, dead.size());
        assertEquals(DeadLetterHeaders.STAGE_DECODE, dead.get(0).header(DeadLetterHeaders.STAGE));
        assertEquals(rows.length, out.size(), "every record scored once, none lost to the retries");
        for (int i = 0; i < rows.length; i++) {
            assertEquals("k" + i, new String(out.get(i).key, StandardCharsets.UTF_8), "input order kept");
            assertArrayEquals(NET.forward(rows[i]), PredictionJson.parse(out.get(i).value).numbers("probabilities"),
                    1e-5);
        }
        // At least 6 batches of 50 (a timer may split one on a slow machine), plus the 3 answers of 'retry later'.
        assertTrue(CALLS.get() >= 6 + 3, "model calls: " + CALLS.get());
    }

    @Test
    void theOperatorSwapsToANewVersionDroppedIntoAVersionedFolder() throws Exception {
        Path base = Files.createDirectories(dir.resolve("net"));
        Files.write(Files.createDirectories(base.resolve("1")).resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET));
        DenseNetwork next = DenseNetwork.random(12, 8, 4, 8);
        assertSwaps(ModelDeployment.versionedDirectory(base.toString(), Duration.ofMillis(100)), NET, next,
                () -> Files.write(Files.createDirectories(base.resolve("2")).resolve("net.onnx"),
                        OnnxModelWriter.denseNetwork(next)));
    }

    /** Also proves core's model-topic reader and publisher work on the kafka-clients 4.2.0 this module pins. */
    @Test
    void theOperatorSwapsToANewVersionPublishedToAModelTopic() throws Exception {
        DenseNetwork next = DenseNetwork.random(12, 8, 4, 8);
        try (ChildBroker broker = ChildBroker.start();
             ModelPublisher publisher = new ModelPublisher(Map.of("bootstrap.servers", broker.bootstrapServers()),
                     "models")) {
            publisher.ensureTopic(Duration.ofSeconds(30));
            publisher.publish("net", "1", TestNets.write(dir), "onnx", 64 * 1024);
            assertSwaps(ModelDeployment.modelTopic(Map.of("bootstrap.servers", broker.bootstrapServers()), "models",
                    "net"), NET, next, () -> publisher.publish("net", "2",
                    Files.write(dir.resolve("next.onnx"), OnnxModelWriter.denseNetwork(next)), "onnx", 64 * 1024));
        }
    }

    /** Something that brings version 2. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /** Scores with version 1 of {@code deployment}, brings version 2, and waits (60 s at most) until it scores. */
    private static void assertSwaps(ModelDeployment deployment, DenseNetwork v1, DenseNetwork v2, Step bringVersion2)
            throws Exception {
        float[] row = v1.sampleInputs(1, 2)[0];
        try (var harness = new OneInputStreamOperatorTestHarness<>(
                new ScoringOperator(deployment, InferenceOptions.defaults()))) {
            harness.open();
            InferenceOutput first = score(harness, row);
            assertEquals("1", first.header(DeadLetterHeaders.MODEL_VERSION));
            assertArrayEquals(v1.forward(row), PredictionJson.parse(first.value).numbers("probabilities"), 1e-5);

            bringVersion2.run();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            InferenceOutput swapped = first;
            while (!"2".equals(swapped.header(DeadLetterHeaders.MODEL_VERSION)) && System.nanoTime() < deadline) {
                Thread.sleep(100);
                swapped = score(harness, row);
            }
            assertEquals("2", swapped.header(DeadLetterHeaders.MODEL_VERSION), "swapped within 60 s, no restart");
            assertArrayEquals(v2.forward(row), PredictionJson.parse(swapped.value).numbers("probabilities"), 1e-5);
        }
    }

    /** Built in a static method: an anonymous class made in a test instance would capture it, which is not serializable. */
    private static ModelDeployment flaky(String path) {
        return ModelDeployment.of("net", () -> new ForwardingModel(
                ModelRegistry.discover().load(ModelSource.of(Path.of(path)), null, Map.of())) {
            @Override
            public List<Prediction> predict(List<Features> batch) throws InferenceException {
                CALLS.incrementAndGet();
                if (UNAVAILABLE.getAndDecrement() > 0) {
                    throw new RetriableInferenceException("model server busy", null);
                }
                return super.predict(batch);
            }
        });
    }

    private static InferenceOutput score(OneInputStreamOperatorTestHarness<InferenceInput, InferenceOutput> harness,
            float[] row) throws Exception {
        harness.getOutput().clear();
        harness.processElement(InferenceInput.of(utf8("k"), TestNets.record(row)), 0);
        harness.prepareSnapshotPreBarrier(1);
        return harness.extractOutputValues().get(0);
    }
}
