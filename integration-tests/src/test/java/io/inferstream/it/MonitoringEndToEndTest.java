package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.data.DataType;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.data.Tensor;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.FieldSpec;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.monitor.LabelJoin;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Accuracy from delayed labels on a real broker: predictions made by the engine are joined with labels written to a
 * labels topic afterwards, and the figures it reports (scraped from /metrics) equal ones computed here from the
 * models' own plain-Java arithmetic — per version of an A/B split, for a regressor's errors, and for labels that
 * come too late.
 */
class MonitoringEndToEndTest extends LifecycleTestSupport {
    private static final String[] CLASSES = {"c0", "c1", "c2", "c3"};

    @TempDir
    Path dir;

    private static String labelsTopic(String name) {
        KAFKA.broker().createTopic(name, 2);
        return name;
    }

    /** The true class of a row: a rule of its own, which the networks agree with on some rows and not others. */
    private static String truth(float[] row) {
        int best = 0;
        for (int i = 1; i < 4; i++) {
            if (row[i] + row[i + 4] > row[best] + row[best + 4]) {
                best = i;
            }
        }
        return CLASSES[best];
    }

    private static String predictedClass(double[] probabilities) {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        return CLASSES[best];
    }

    @Test
    void accuracyPerVersionOfAnABSplitEqualsTheCountComputedIndependently() throws Exception {
        int records = 10_000;
        Topics topics = new Topics("accuracy", 2);
        String labels = labelsTopic("accuracy-labels");
        String modelTopic = "models-accuracy";
        publish(modelTopic, "fraud", "1", onnxFile(dir, "v1.onnx", V1), "onnx");
        publish(modelTopic, "fraud", "2", onnxFile(dir, "v2.onnx", V2), "onnx");
        route(modelTopic, "fraud", "1=50,2=50", null);
        Map<String, Object> props = topicProperties(topics, modelTopic, "fraud");
        props.put(EngineConfig.MODEL_CLASS_LABELS, String.join(",", CLASSES));
        props.put(EngineConfig.MONITOR_LABELS_TOPIC, labels);
        props.put(EngineConfig.METRICS_PORT, 0);
        props.put(EngineConfig.MAX_BATCH_SIZE, 500);
        try (InferenceEngine engine = startFollowing(props)) {
            await(() -> engine.deployments().peek().map(d -> d.serving().size() == 2).orElse(false), 60_000,
                    () -> "versions 1 and 2 are not both serving");
            produce(topics.input, "k", 0, records);
            awaitAccounted(engine, records, 120_000);
            assertEquals(records, engine.metrics().predictionsOut());

            // Which version scored each key, from the predictions themselves; what it should have said, from its
            // network computed in plain Java.
            Map<String, PredictionJson> scored = byKey(KafkaRecords.consumeBytes(KAFKA.broker(), topics.output, records,
                    Duration.ofSeconds(60)));
            Map<String, int[]> expected = new HashMap<>(); // version -> {joined, right}
            List<Map.Entry<String, String>> truths = new ArrayList<>(records);
            for (int i = 0; i < records; i++) {
                float[] row = rowOf(0, records, i);
                PredictionJson p = scored.get("k" + i);
                String truth = truth(row);
                String independent = predictedClass(network(p.version()).forward(row));
                assertEquals(independent, p.label(), "key k" + i + " (a near tie would make this test unfair)");
                int[] counts = expected.computeIfAbsent(p.version(), v -> new int[2]);
                counts[0]++;
                counts[1] += independent.equals(truth) ? 1 : 0;
                // Labels in the accepted forms, alternating.
                truths.add(new AbstractMap.SimpleEntry<>("k" + i, i % 2 == 0 ? truth : "{\"label\":\"" + truth + "\"}"));
            }
            assertEquals(2, expected.size(), "both versions scored records");
            KafkaRecords.produceStrings(KAFKA.broker(), labels, truths);
            LabelJoin join = engine.monitor().labels().orElseThrow();
            await(() -> join.figures().values().stream().mapToLong(f -> f.joined).sum() == records, 120_000,
                    () -> "joined only " + join.figures().values().stream().mapToLong(f -> f.joined).sum());

            String metrics = MetricsEndpointTest.get(engine.metricsPort().orElseThrow(), "/metrics").body();
            for (Map.Entry<String, int[]> e : expected.entrySet()) {
                String version = e.getKey();
                int total = e.getValue()[0];
                int right = e.getValue()[1];
                assertEquals((double) total, MetricsEndpointTest.value(metrics, "inferstream_monitor_labels_joined_total",
                        "model", "fraud", "version", version));
                assertEquals((double) right, MetricsEndpointTest.value(metrics,
                        "inferstream_monitor_predictions_correct_total", "model", "fraud", "version", version));
                assertEquals((double) right / total, MetricsEndpointTest.value(metrics, "inferstream_monitor_accuracy",
                        "model", "fraud", "version", version), 0.0, "accuracy of version " + version);
                assertTrue(right > 0 && right < total, "a model of middling accuracy: " + right + "/" + total);
            }
            assertEquals(0.0, MetricsEndpointTest.value(metrics, "inferstream_monitor_labels_unmatched_total"));
            assertEquals(0.0, MetricsEndpointTest.value(metrics, "inferstream_monitor_pending"));
        }
    }

    @Test
    void labelsAfterTheWindowCountTheirPredictionsAsExpired() throws Exception {
        Topics topics = new Topics("late-labels", 2);
        String labels = labelsTopic("late-labels-labels");
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.MODEL_CLASS_LABELS, String.join(",", CLASSES));
        props.put(EngineConfig.MONITOR_LABELS_TOPIC, labels);
        props.put(EngineConfig.MONITOR_WINDOW_MS, 4_000);
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> registry.load(onnx(V1), null, Map.of()))) {
            produce(topics.input, "late", 0, 200);
            awaitAccounted(engine, 200, 60_000);
            List<Map.Entry<String, String>> onTime = new ArrayList<>();
            List<Map.Entry<String, String>> late = new ArrayList<>();
            int onTimeRight = 0;
            for (int i = 0; i < 200; i++) {
                float[] row = rowOf(0, 200, i);
                String truth = truth(row);
                (i < 100 ? onTime : late).add(new AbstractMap.SimpleEntry<>("late" + i, truth));
                onTimeRight += i < 100 && predictedClass(V1.forward(row)).equals(truth) ? 1 : 0;
            }
            KafkaRecords.produceStrings(KAFKA.broker(), labels, onTime);
            LabelJoin join = engine.monitor().labels().orElseThrow();
            await(() -> figures(join).joined == 100, 60_000, () -> "joined " + figures(join).joined);
            // The others' window passes: the reader's sweep counts them as expired.
            await(() -> figures(join).expired == 100, 60_000, () -> "expired " + figures(join).expired);
            KafkaRecords.produceStrings(KAFKA.broker(), labels, late);
            KafkaRecords.produceStrings(KAFKA.broker(), labels, List.of(Map.entry("never-scored", "c1")));
            await(() -> join.unmatched() == 101, 60_000, () -> "unmatched " + join.unmatched());
            LabelJoin.VersionFigures f = figures(join);
            assertEquals(100, f.joined, "late labels join nothing");
            assertEquals(100, f.expired);
            assertEquals(onTimeRight / 100.0, f.accuracy, 0.0);
            assertEquals(0, join.pending());
        }
    }

    private static LabelJoin.VersionFigures figures(LabelJoin join) {
        return join.figures().values().stream().findFirst().orElseThrow(() -> new AssertionError("no version yet"));
    }

    /** A regressor in plain Java: {@code y = 1.5·x0 − 2·x1 + 0.25}. */
    static final class LinearRegressor implements Model {
        static double predict(double x0, double x1) {
            return 1.5 * x0 - 2 * x1 + 0.25;
        }

        @Override
        public ModelInfo info() {
            return ModelInfo.builder("java").name("price").version("7")
                    .input(FieldSpec.scalar("x0", DataType.DOUBLE)).input(FieldSpec.scalar("x1", DataType.DOUBLE))
                    .output(FieldSpec.scalar("y", DataType.DOUBLE)).threadSafe(true).build();
        }

        @Override
        public List<Prediction> predict(List<Features> batch) {
            List<Prediction> out = new ArrayList<>(batch.size());
            for (Features f : batch) {
                out.add(Prediction.of(Map.of("y", Tensor.scalar(predict(f.get("x0").getDouble(0),
                        f.get("x1").getDouble(0))))));
            }
            return out;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void regressorMaeAndRmseEqualAnIndependentComputation() throws Exception {
        int records = 3_000;
        Topics topics = new Topics("regressor", 2);
        String labels = labelsTopic("regressor-labels");
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.MONITOR_LABELS_TOPIC, labels);
        props.put(EngineConfig.METRICS_PORT, 0);
        Random random = new Random(17);
        List<Map.Entry<String, String>> inputs = new ArrayList<>();
        List<Map.Entry<String, String>> truths = new ArrayList<>();
        double absolute = 0;
        double squared = 0;
        for (int i = 0; i < records; i++) {
            double x0 = random.nextDouble() * 10;
            double x1 = random.nextDouble() * 5;
            double truth = Math.round((LinearRegressor.predict(x0, x1) + random.nextGaussian()) * 1000) / 1000.0;
            double error = LinearRegressor.predict(x0, x1) - truth;
            absolute += Math.abs(error);
            squared += error * error;
            inputs.add(new AbstractMap.SimpleEntry<>("r" + i, "{\"x0\":" + x0 + ",\"x1\":" + x1 + "}"));
            truths.add(new AbstractMap.SimpleEntry<>("r" + i, i % 2 == 0 ? Double.toString(truth)
                    : "{\"label\": " + truth + "}"));
        }
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props), new LinearRegressor())) {
            KafkaRecords.produceStrings(KAFKA.broker(), topics.input, inputs);
            awaitAccounted(engine, records, 60_000);
            KafkaRecords.produceStrings(KAFKA.broker(), labels, truths);
            LabelJoin join = engine.monitor().labels().orElseThrow();
            await(() -> figures(join).joined == records, 60_000, () -> "joined " + figures(join).joined);
            String metrics = MetricsEndpointTest.get(engine.metricsPort().orElseThrow(), "/metrics").body();
            assertEquals(absolute / records, MetricsEndpointTest.value(metrics, "inferstream_monitor_mae", "model",
                    "price", "version", "7"), 1e-9);
            assertEquals(Math.sqrt(squared / records), MetricsEndpointTest.value(metrics, "inferstream_monitor_rmse",
                    "model", "price", "version", "7"), 1e-9);
            assertEquals("NaN", String.valueOf(MetricsEndpointTest.value(metrics, "inferstream_monitor_accuracy",
                    "model", "price", "version", "7")), "no accuracy for a regressor");
        }
    }

    @Test
    void aMissingLabelsTopicIsNamedAtStart() {
        Topics topics = new Topics("no-labels", 1);
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.MONITOR_LABELS_TOPIC, "no-such-labels");
        org.apache.kafka.common.config.ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.apache.kafka.common.config.ConfigException.class,
                () -> InferenceEngine.start(new EngineConfig(props), new LinearRegressor()));
        assertTrue(e.getMessage().contains("no-such-labels"), e.getMessage());
    }

}
