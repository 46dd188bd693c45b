package io.inferstream.streams;

import io.inferstream.codec.JsonPredictionEncoder;
import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.config.EngineConfig;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.Model;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.kafka.EmbeddedKafkaExtension;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records/s on one in-process broker, same model (the 784→35→10 ONNX network), same JSON payload (~8 KB), 2 input
 * partitions, 2 threads each: (1) the engine, (2) Kafka Streams with this module's batching processor, (2a) the
 * same without the buffer's changelog, to show what it costs (unsafe: not offered to users), (3) Kafka Streams in
 * the classic style, {@code mapValues} with one model call per record (same decoder and encoder). Each is
 * timed from start to its last output, so start-up is included alike. Not part of the build: run with
 * {@code -Dinferstream.bench=true -Dtest=StreamsThroughputBench}.
 *
 * <p>Thread safety: a JUnit test.
 */
@EnabledIfSystemProperty(named = "inferstream.bench", matches = "true")
class StreamsThroughputBench {
    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    static final int RECORDS = Integer.getInteger("inferstream.bench.records", 20_000);

    @TempDir
    Path dir;

    @Test
    void engineVersusStreamsBatchedVersusStreamsPerRecord() throws Exception {
        DenseNetwork net = DenseNetwork.mnistSized();
        Path model = Files.write(dir.resolve("mnist.onnx"), OnnxModelWriter.denseNetwork(net));
        ModelRegistry registry = ModelRegistry.discover();
        KAFKA.broker().createTopic("bench-in", 2);
        float[][] rows = net.sampleInputs(1_000, 1);
        for (int from = 0; from < RECORDS; from += 1_000) {
            List<Map.Entry<String, String>> chunk = new ArrayList<>();
            for (int i = from; i < Math.min(RECORDS, from + 1_000); i++) {
                chunk.add(new AbstractMap.SimpleEntry<>("k" + i, DenseNetwork.toJson(rows[i % rows.length])));
            }
            KafkaRecords.produceStrings(KAFKA.broker(), "bench-in", chunk);
        }
        Map<String, Double> rates = new java.util.LinkedHashMap<>();
        for (int round = 1; round <= 2; round++) {
            best(rates, "engine, 2 workers", engine(model, registry, round));
            best(rates, "Kafka Streams, batching processor", streams(model, registry, round, "batched"));
            best(rates, "  the same without its changelog (unsafe)", streams(model, registry, round, "unlogged"));
            best(rates, "  the same, producer compression.type=lz4", streams(model, registry, round, "lz4"));
            best(rates, "Kafka Streams, mapValues, 1 call per record", streams(model, registry, round, "per-record"));
        }
        System.out.printf("%n%,d JSON records of %,d bytes, 784->35->10 ONNX network, best of 2 rounds:%n", RECORDS,
                DenseNetwork.toJson(rows[0]).length());
        rates.forEach((name, rate) -> System.out.printf("  %-45s %,10.0f records/s%n", name, rate));
    }

    private static void best(Map<String, Double> rates, String name, double rate) {
        rates.merge(name, rate, Math::max);
    }

    private double engine(Path model, ModelRegistry registry, int round) throws Exception {
        String out = "bench-engine-" + round;
        KAFKA.broker().createTopic(out, 2);
        KAFKA.broker().createTopic(out + "-dlt", 1);
        Map<String, Object> props = new HashMap<>();
        props.put(EngineConfig.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        props.put(EngineConfig.GROUP_ID, out);
        props.put(EngineConfig.INPUT_TOPICS, "bench-in");
        props.put(EngineConfig.OUTPUT_TOPIC, out);
        props.put(EngineConfig.DEAD_LETTER_TOPIC, out + "-dlt");
        props.put(EngineConfig.WORKER_THREADS, 2);
        props.put("consumer.auto.offset.reset", "earliest");
        long start = System.nanoTime();
        try (InferenceEngine engine = InferenceEngine.start(new EngineConfig(props),
                () -> registry.load(ModelSource.of(model), null, Map.of()))) {
            return waitForOutputs(out, start);
        }
    }

    /** @param style batched, unlogged (batched without the buffer's changelog), lz4 (batched, compressed) or per-record */
    private double streams(Path model, ModelRegistry registry, int round, String style) throws Exception {
        String out = "bench-streams-" + style + "-" + round;
        KAFKA.broker().createTopic(out, 2);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, out);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.broker().bootstrapServers());
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve(out).toString());
        if (style.equals("lz4")) {
            props.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        }
        Serde<byte[]> bytes = Serdes.ByteArray();
        StreamsBuilder builder = new StreamsBuilder();
        KStream<byte[], byte[]> in = builder.stream("bench-in", Consumed.with(bytes, bytes));
        long start = System.nanoTime();
        if (!style.equals("per-record")) {
            try (Inference inference = Inference.start(() -> registry.load(ModelSource.of(model), null, Map.of()),
                    InferenceOptions.builder().maxBatchSize(500).build())) {
                in.processValues(inference.processor(!style.equals("unlogged"))).to(out, Produced.with(bytes, bytes));
                return run(builder.build(), props, out, start);
            }
        }
        try (Model m = registry.load(ModelSource.of(model), null, Map.of())) {
            // The usual hand-written app: decode, one predict call, encode, per record.
            JsonRecordDecoder decoder = new JsonRecordDecoder(m.info(), Map.of(), false);
            JsonPredictionEncoder encoder = new JsonPredictionEncoder();
            in.mapValues((key, value) -> {
                try {
                    return encoder.encode(m.predict(List.of(decoder.decode(value))).get(0), m.info(), key);
                } catch (Exception e) {
                    return ("{\"error\":\"" + e.getMessage() + "\"}").getBytes(StandardCharsets.UTF_8);
                }
            }).to(out, Produced.with(bytes, bytes));
            return run(builder.build(), props, out, start);
        }
    }

    private double run(Topology topology, Properties props, String out, long start) throws Exception {
        try (KafkaStreams streams = new KafkaStreams(topology, props)) {
            streams.start();
            return waitForOutputs(out, start);
        }
    }

    private static double waitForOutputs(String topic, long start) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (KafkaRecords.countRecords(KAFKA.broker(), topic) < RECORDS) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not all records scored into " + topic + " within 5 minutes");
            }
            Thread.sleep(50);
        }
        return RECORDS / ((System.nanoTime() - start) / 1e9);
    }
}
