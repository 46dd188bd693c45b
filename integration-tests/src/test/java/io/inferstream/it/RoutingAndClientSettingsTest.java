package io.inferstream.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.EngineState;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.scoring.DeadLetterHeaders;
import io.inferstream.testkit.contract.PredictionJson;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where outputs go (output.partitioning key vs input, several input topics, null keys), dead letters keeping
 * headers and null keys, and consumer./producer. settings really reaching the Kafka clients.
 */
class RoutingAndClientSettingsTest extends EngineScenarioSupport {
    private final DenseNetwork network = DenseNetwork.random(8, 6, 3, 41);
    private final ModelSource source = onnx(network);
    private final ModelRegistry registry = ModelRegistry.discover();

    private InferenceEngine start(Map<String, Object> props) throws Exception {
        return InferenceEngine.start(new EngineConfig(props), () -> registry.load(source, "onnx", Map.of()));
    }

    /** Writes records with an explicit partition (null: the producer's choice) and headers; waits for all acks. */
    private static List<RecordMetadata> produce(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        List<RecordMetadata> written = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KAFKA.broker().producerConfig())) {
            List<java.util.concurrent.Future<RecordMetadata>> acks = new ArrayList<>();
            records.forEach(r -> acks.add(producer.send(r)));
            producer.flush();
            for (java.util.concurrent.Future<RecordMetadata> a : acks) {
                written.add(a.get());
            }
        }
        return written;
    }

    /** @return the compression of every record batch in the topic's log segments on the broker's disk. */
    private static Set<CompressionType> compressionOnDisk(String topic) throws Exception {
        Set<CompressionType> found = new HashSet<>();
        List<Path> segments;
        try (Stream<Path> files = Files.walk(KAFKA.broker().dataDir())) {
            segments = files.filter(p -> p.getParent().getFileName().toString().startsWith(topic + "-")
                    && p.getFileName().toString().endsWith(".log")).collect(Collectors.toList());
        }
        for (Path segment : segments) {
            MemoryRecords records = MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(segment)));
            for (RecordBatch batch : records.batches()) {
                found.add(batch.compressionType());
            }
        }
        return found;
    }

    @Test
    void keyPartitioningFromTwoInputTopicsWithGzipAndSmallFetchesKeepsHeadersAndNullKeysOnDeadLetters()
            throws Exception {
        Topics topics = new Topics("routing-key", 2);
        String secondInput = topics.input + "-b";
        String output = topics.output + "-5";
        KAFKA.broker().createTopic(secondInput, 3);
        KAFKA.broker().createTopic(output, 5);
        float[][] inputs = network.sampleInputs(1_000, 42);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            String topic = i % 2 == 0 ? topics.input : secondInput;
            byte[] key = i % 10 == 9 ? null : utf8("k-" + i);
            boolean bad = i % 50 == 7;
            byte[] value = utf8(bad ? "{\"input\":[1,2]}" : DenseNetwork.toJson(inputs[i]));
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, null, key, value);
            r.headers().add("trace-id", utf8("t-" + i)).add("origin", utf8("test"));
            records.add(r);
        }
        List<RecordMetadata> written = produce(records);

        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.INPUT_TOPICS, topics.input + "," + secondInput);
        props.put(EngineConfig.OUTPUT_TOPIC, output);
        props.put(EngineConfig.OUTPUT_PARTITIONING, "key");
        props.put(EngineConfig.PRODUCER_PREFIX + "compression.type", "gzip");
        props.put(EngineConfig.CONSUMER_PREFIX + "max.partition.fetch.bytes", 1024);
        props.put(EngineConfig.MAX_BATCH_SIZE, 50);
        long bad = records.stream().filter(r -> new String(r.value()).equals("{\"input\":[1,2]}")).count();
        try (InferenceEngine engine = start(props)) {
            awaitAccounted(engine, records.size(), 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
            assertEquals(bad, engine.metrics().deadLetters());
        }

        List<ConsumerRecord<byte[], byte[]>> out = KafkaRecords.consumeBytes(KAFKA.broker(), output,
                (int) (records.size() - bad), Duration.ofSeconds(30));
        Set<Integer> usedPartitions = new HashSet<>();
        int nullKeys = 0;
        for (ConsumerRecord<byte[], byte[]> r : out) {
            PredictionJson p = PredictionJson.parse(r.value());
            usedPartitions.add(r.partition());
            if (r.key() == null) {
                nullKeys++;
                assertNull(p.key(), "a null key stays null and the prediction has no key field");
                continue;
            }
            assertEquals(key(r), p.key());
            assertEquals(Utils.toPositive(Utils.murmur2(r.key())) % 5, r.partition(),
                    "output.partitioning=key uses the default partitioner on the key: " + p.key());
            int i = Integer.parseInt(p.key().substring(2));
            assertProbabilities(network.forward(inputs[i]), p.numbers("probabilities"), p.key());
        }
        assertTrue(nullKeys > 0, "records without keys were predicted too");
        assertEquals(5, usedPartitions.size(), "keys spread over all 5 output partitions, not just input numbers");
        assertEquals(Set.of(CompressionType.GZIP), compressionOnDisk(output),
                "producer.compression.type=gzip reached the engine's producer");

        List<ConsumerRecord<byte[], byte[]>> dead = KafkaRecords.consumeBytes(KAFKA.broker(), topics.deadLetters, (int) bad,
                Duration.ofSeconds(30));
        Set<String> seenTraces = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            String trace = header(r, "trace-id");
            assertTrue(trace != null, "original headers are kept on the dead letter");
            assertEquals("test", header(r, "origin"));
            int i = Integer.parseInt(trace.substring(2));
            seenTraces.add(trace);
            assertEquals(i % 2 == 0 ? topics.input : secondInput, header(r, DeadLetterHeaders.TOPIC));
            assertEquals(Integer.toString(written.get(i).partition()), header(r, DeadLetterHeaders.PARTITION));
            assertEquals(Long.toString(written.get(i).offset()), header(r, DeadLetterHeaders.OFFSET));
            assertArrayEquals(records.get(i).key(), r.key(), "original key (null included) kept on " + trace);
        }
        assertEquals(bad, seenTraces.size());
    }

    @Test
    void inputPartitioningMapsInputPartitionsModuloTheOutputsAndKeepsOrderForNullKeys() throws Exception {
        Topics topics = new Topics("routing-input", 3);
        String output = topics.output + "-2";
        KAFKA.broker().createTopic(output, 2);
        float[][] inputs = network.sampleInputs(900, 43);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            records.add(new ProducerRecord<>(topics.input, i % 3, null, utf8(DenseNetwork.toJson(inputs[i]))));
        }
        produce(records);
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.OUTPUT_TOPIC, output);
        props.put(EngineConfig.MAX_BATCH_SIZE, 70);
        try (InferenceEngine engine = start(props)) {
            awaitAccounted(engine, records.size(), 60_000);
            assertEquals(EngineState.RUNNING, engine.state(), () -> "failed: " + engine.failure());
        }
        // Without keys, outputs are matched to inputs by value: each output partition must be a merge of the
        // input partitions p = out (mod 2), each consumed strictly in its own order.
        Map<Integer, List<double[]>> got = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaRecords.consumeBytes(KAFKA.broker(), output, inputs.length,
                Duration.ofSeconds(30))) {
            assertNull(r.key());
            got.computeIfAbsent(r.partition(), x -> new ArrayList<>())
                    .add(PredictionJson.parse(r.value()).numbers("probabilities"));
        }
        assertEquals(600, got.get(0).size(), "input partitions 0 and 2 go to output partition 0");
        assertEquals(300, got.get(1).size(), "input partition 1 goes to output partition 1");
        for (int out = 0; out < 2; out++) {
            int[] next = {0, 1, 2}; // next row index expected from each input partition
            for (double[] p : got.get(out)) {
                int matched = -1;
                for (int in = out; in < 3 && matched < 0; in += 2) {
                    if (next[in] < inputs.length && close(network.forward(inputs[next[in]]), p)) {
                        matched = in;
                    }
                }
                assertTrue(matched >= 0, "output partition " + out + ": a prediction out of its input's order");
                next[matched] += 3;
            }
        }
    }

    private static boolean close(double[] want, double[] got) {
        for (int c = 0; c < want.length; c++) {
            if (Math.abs(want[c] - got[c]) > 1e-5) {
                return false;
            }
        }
        return true;
    }

    @Test
    void consumerSettingsOverrideTheEngineDefaultsAutoOffsetResetLatestSkipsOldRecords() throws Exception {
        Topics topics = new Topics("offset-reset", 1);
        float[][] inputs = network.sampleInputs(50, 44);
        List<Map.Entry<String, String>> old = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            old.add(new AbstractMap.SimpleImmutableEntry<>("old-" + i, DenseNetwork.toJson(inputs[i])));
        }
        KafkaRecords.produceStrings(KAFKA.broker(), topics.input, old);
        Map<String, Object> props = engineProperties(topics);
        props.put(EngineConfig.CONSUMER_PREFIX + "auto.offset.reset", "latest");
        int sent = 0;
        try (InferenceEngine engine = start(props)) {
            // The position is taken some time after the group forms: keep writing new records until one is scored.
            long deadline = System.currentTimeMillis() + 60_000;
            while (engine.metrics().predictionsOut() == 0 && System.currentTimeMillis() < deadline) {
                KafkaRecords.produceStrings(KAFKA.broker(), topics.input,
                        List.of(new AbstractMap.SimpleImmutableEntry<>("new-" + sent++, DenseNetwork.toJson(inputs[0]))));
                Thread.sleep(200);
            }
            assertTrue(engine.metrics().predictionsOut() > 0, "no new record was scored: " + engine.metrics());
        }
        long total = KafkaRecords.countRecords(KAFKA.broker(), topics.output);
        for (ConsumerRecord<String, String> r : KafkaRecords.consumeStrings(KAFKA.broker(), topics.output, (int) total,
                Duration.ofSeconds(30))) {
            assertFalse(r.key().startsWith("old-"), "consumer.auto.offset.reset=latest must skip " + r.key());
        }
    }
}
