package io.inferstream.cli;

import io.inferstream.config.EngineConfig;
import io.inferstream.deploy.DeploymentSource;
import io.inferstream.deploy.FixedModelSource;
import io.inferstream.deploy.RoutingSpec;
import io.inferstream.deploy.kafka.ModelPublisher;
import io.inferstream.deploy.kafka.ModelTopic;
import io.inferstream.engine.EngineMetrics;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.engine.ModelSources;
import io.inferstream.model.ModelLoadException;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.sandbox.models.ScratchDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code inferstream demo}: everything real, on one machine, in one command. Starts a Kafka broker in-process on
 * 127.0.0.1, writes a real ONNX model (a 784→35→10 network), streams synthetic events through the engine — a few
 * of them deliberately bad — shows progress, then accounts for every record: each must be a prediction or a dead
 * letter, and a sample of the predictions is checked against a plain-Java computation of the same network. Exits
 * non-zero if anything is unaccounted for or wrong. With {@code --hot-swap} the model comes from a Kafka model topic
 * and a second version is published and routed to midway: predictions are checked against the version they carry.
 *
 * <p>This and {@link DemoEvents} are the only classes of the CLI that use the sandbox module (the in-process broker,
 * the network and its ONNX writer); {@link DemoCommand} calls it only when the sandbox is on the class path, so that
 * the CLI's own class path carries no broker.
 *
 * <p>Thread safety: runs on the main thread, with one producer thread of its own.
 */
final class DemoRun {
    static final String INPUT = "demo-events";
    static final String OUTPUT = "demo-predictions";
    static final String DEAD_LETTERS = "demo-dead-letters";
    static final String MODELS = "demo-models";
    private static final int PARTITIONS = 4;

    private DemoRun() {
    }

    static int run(int records, int threads, int batchSize, int badEvery, int rate, boolean hotSwap, PrintStream out,
            PrintStream err) {
        try (ScratchDirectory dir = ScratchDirectory.create("inferstream-demo")) {
            return demo(records, threads, batchSize, badEvery, rate, hotSwap, dir.path(), out);
        } catch (IOException | ModelLoadException | InterruptedException e) {
            err.println("inferstream demo: " + e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return 1;
        }
    }

    private static int demo(int records, int threads, int batchSize, int badEvery, int rate, boolean hotSwap, Path dir,
            PrintStream out) throws IOException, ModelLoadException, InterruptedException {
        out.println("== Inferstream demo: " + String.format("%,d", records) + " events, " + threads
                + " worker thread(s), batches of up to " + batchSize);
        DenseNetwork network = DenseNetwork.mnistSized();
        Path modelFile = dir.resolve("mnist-mlp.onnx");
        Files.write(modelFile, OnnxModelWriter.denseNetwork(network));
        out.printf("model:  %s, a real ONNX feed-forward network %d→%d→%d (%,d parameters)%n", modelFile.getFileName(),
                network.inputs(), network.hidden(), network.outputs(), network.parameterCount());

        long started = System.nanoTime();
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            out.printf("kafka:  broker started in-process at %s in %.1f s%n", broker.bootstrapServers(),
                    (System.nanoTime() - started) / 1e9);
            broker.createTopic(INPUT, PARTITIONS);
            broker.createTopic(OUTPUT, PARTITIONS);
            broker.createTopic(DEAD_LETTERS, 1);

            DemoEvents events = new DemoEvents(network, badEvery);
            Map<String, Object> props = new HashMap<>();
            props.put(EngineConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            props.put(EngineConfig.GROUP_ID, "inferstream-demo");
            props.put(EngineConfig.INPUT_TOPICS, INPUT);
            props.put(EngineConfig.OUTPUT_TOPIC, OUTPUT);
            props.put(EngineConfig.DEAD_LETTER_TOPIC, DEAD_LETTERS);
            props.put(EngineConfig.WORKER_THREADS, threads);
            props.put(EngineConfig.MAX_BATCH_SIZE, batchSize);
            props.put(EngineConfig.MODEL_CLASS_LABELS, DemoEvents.LABELS);
            ModelRegistry registry = ModelRegistry.discover();
            Map<String, Object> clients = Map.of(EngineConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers());
            DenseNetwork retrained = DenseNetwork.random(network.inputs(), network.hidden(), network.outputs(), 2);
            if (hotSwap) {
                // Serve from a model topic, as a team that ships versions would; version 2 arrives midway.
                try (ModelPublisher publisher = new ModelPublisher(clients, MODELS)) {
                    publisher.ensureTopic(Duration.ofSeconds(30));
                    publisher.publish("mnist", "1", modelFile, "onnx", ModelTopic.DEFAULT_CHUNK_BYTES);
                }
                props.put(EngineConfig.MODEL_TOPIC, MODELS);
                props.put(EngineConfig.MODEL_NAME, "mnist");
                events.addVersion("2", retrained);
                out.printf("models: topic %s, version 1 published; version 2 (retrained weights) will be published and "
                        + "routed to midway%n", MODELS);
            }
            EngineConfig config = new EngineConfig(props);
            DeploymentSource source = hotSwap ? ModelSources.fromConfig(config, registry, dir)
                    : new FixedModelSource(modelFile.toString(),
                            () -> registry.load(ModelSource.of(modelFile), "onnx", Map.of()));
            boolean swapped = false;

            long t0;
            SteadyState steady = new SteadyState(records);
            EngineMetrics metrics;
            DemoEvents.Producer producer;
            try (InferenceEngine engine = InferenceEngine.start(config, source)) {
                metrics = engine.metrics();
                // Produce once the consumer group has formed, so end-to-end latency is not the group's start-up.
                long joinDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (metrics.assignedPartitions() < PARTITIONS && System.nanoTime() < joinDeadline) {
                    Thread.sleep(20);
                }
                producer = events.startProducing(broker.bootstrapServers(), INPUT, records, rate);
                t0 = System.nanoTime();
                long lastPrint = 0;
                while (metrics.predictionsOut() + metrics.deadLetters() < records && engine.failure().isEmpty()) {
                    Thread.sleep(20);
                    steady.sample(metrics.predictionsOut() + metrics.deadLetters(), System.nanoTime());
                    if (hotSwap && !swapped && metrics.predictionsOut() + metrics.deadLetters() >= records / 2) {
                        swapped = true;
                        Path v2 = Files.write(dir.resolve("mnist-mlp-v2.onnx"), OnnxModelWriter.denseNetwork(retrained));
                        try (ModelPublisher publisher = new ModelPublisher(clients, MODELS)) {
                            publisher.publish("mnist", "2", v2, "onnx", ModelTopic.DEFAULT_CHUNK_BYTES);
                            publisher.route("mnist", RoutingSpec.single("2"));
                        }
                        out.printf("  published version 2 and routed 100%% to it after %,d records; the engine swaps "
                                + "without a restart%n", metrics.predictionsOut() + metrics.deadLetters());
                    }
                    if (System.nanoTime() - lastPrint > 1_000_000_000L) {
                        lastPrint = System.nanoTime();
                        double secs = (lastPrint - t0) / 1e9;
                        out.printf("  %5.1fs  produced %,9d | consumed %,9d | predictions %,9d | dead letters %,5d | %,8.0f rec/s%n",
                                secs, producer.produced(), metrics.recordsIn(), metrics.predictionsOut(),
                                metrics.deadLetters(), (metrics.predictionsOut() + metrics.deadLetters()) / secs);
                    }
                    if (System.nanoTime() - t0 > Duration.ofMinutes(10).toNanos()) {
                        out.println("  timed out after 10 minutes");
                        break;
                    }
                }
                if (engine.failure().isPresent()) {
                    out.println("engine failed: " + engine.failure().get());
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            producer.join();
            DemoEvents.Audit audit = events.audit(broker.bootstrapServers(), OUTPUT, DEAD_LETTERS);
            if (hotSwap) {
                out.println("  deployment: " + (swapped ? "swapped from version 1 to version 2" : "no swap happened"));
            }
            int code = summary(out, records, rate, producer, metrics, seconds, steady, audit);
            return hotSwap && (!swapped || audit.predictionsByVersion.getOrDefault("2", 0L) == 0) ? 1 : code;
        }
    }

    private static int summary(PrintStream out, int records, int rate, DemoEvents.Producer producer, EngineMetrics m,
            double seconds, SteadyState steady, DemoEvents.Audit audit) {
        long accounted = audit.predictions + audit.deadLetters;
        out.println();
        out.println("== Summary");
        out.printf("  events produced              %,10d  (%,d deliberately bad)%n", producer.produced(), producer.bad());
        out.printf("  records consumed             %,10d%n", m.recordsIn());
        out.printf("  predictions in topic         %,10d  (%s) by version %s%n", audit.predictions, OUTPUT,
                audit.predictionsByVersion);
        out.printf("  dead letters in topic        %,10d  (%s) %s%n", audit.deadLetters, DEAD_LETTERS, audit.deadLettersByStage);
        out.printf("  model calls                  %,10d  (%.0f records per call)%n", m.modelCalls(),
                m.modelCalls() == 0 ? 0.0 : (double) (m.predictionsOut() + m.deadLetters()) / m.modelCalls());
        out.printf("  throughput, whole run        %,10.0f  records/s end to end (%.1f s, warm-up included)%n",
                accounted / seconds, seconds);
        if (steady.measured()) {
            out.printf("  throughput once warm         %,10.0f  records/s (records %,d to %,d: after the first %.1f s of "
                    + "warm-up,%n                                                 before the last records drain)%n",
                    steady.recordsPerSecond(), steady.fromRecords(), steady.toRecords(), steady.warmupSeconds());
        } else {
            out.println("  throughput once warm                 n/a  (too few records to tell warm-up from steady state; "
                    + "try --records 20000)");
        }
        out.printf("  latency in the engine        %7.1f ms p50 / %.1f ms p99  (polled → prediction acknowledged)%n",
                m.processingLatency().percentileMicros(50) / 1000.0, m.processingLatency().percentileMicros(99) / 1000.0);
        out.printf("  latency end to end           %7.1f ms p50 / %.1f ms p99  (event timestamp → prediction acknowledged;%n"
                + "                                                 includes waiting in the topic%s)%n",
                m.latency().percentileMicros(50) / 1000.0, m.latency().percentileMicros(99) / 1000.0,
                rate == 0 ? " behind the backlog: use --rate to see it at a steady load" : "");
        out.printf("  predictions checked          %,10d  against a plain-Java forward pass, max |error| %.2e%n",
                audit.checked, audit.maxError);
        boolean complete = producer.produced() == records && accounted == records
                && audit.deadLetters == producer.bad() && audit.duplicates == 0;
        boolean correct = audit.checked > 0 && audit.maxError < 1e-4 && audit.wrongDeadLetters == 0;
        if (complete && correct) {
            out.println("OK: every record is accounted for (" + String.format("%,d", records) + " = "
                    + String.format("%,d", audit.predictions) + " predictions + " + audit.deadLetters
                    + " dead letters) and the predictions are right.");
            return 0;
        }
        out.println("FAILED: " + (complete ? "" : "records unaccounted for (" + accounted + " of " + records
                + ", " + audit.duplicates + " duplicates); ") + (correct ? "" : "wrong predictions or dead letters ("
                + audit.wrongDeadLetters + " good records dead-lettered)"));
        return 1;
    }

    /**
     * Throughput once the engine is warm: the first records pay for the consumer group's start, the JIT and the model's
     * first calls, the last ones for the drain, so the rate is taken between 10% and 90% of the records (sampled
     * every 20 ms), next to the whole run's figure.
     */
    static final class SteadyState {
        private final long low;
        private final long high;
        private long start = -1;
        private long from = -1;
        private long to = -1;
        private long fromRecords;
        private long toRecords;

        SteadyState(int records) {
            this.low = records / 10;
            this.high = records - records / 10;
        }

        void sample(long done, long nanos) {
            if (start < 0) {
                start = nanos;
            }
            if (from < 0 && done >= low) {
                from = nanos;
                fromRecords = done;
            }
            if (to < 0 && done >= high) {
                to = nanos;
                toRecords = done;
            }
        }

        long fromRecords() {
            return fromRecords;
        }

        long toRecords() {
            return toRecords;
        }

        boolean measured() {
            return from >= 0 && to > from && toRecords - fromRecords >= 1000;
        }

        /** @return from the first sample (records start flowing) to the start of the measured span. */
        double warmupSeconds() {
            return (from - start) / 1e9;
        }

        double recordsPerSecond() {
            return (toRecords - fromRecords) / ((to - from) / 1e9);
        }
    }
}
