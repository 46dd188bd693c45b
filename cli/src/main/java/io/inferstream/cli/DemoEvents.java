package io.inferstream.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.scoring.DeadLetterHeaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The demo's synthetic events and their audit. Event {@code i} has key {@code event-i} and, unless it is one of
 * the deliberately bad ones, the JSON value {@code {"input": [784 floats]}} taken from a pool of 256 fixed inputs,
 * so that every prediction can be checked against {@link DenseNetwork#forward} by its key.
 *
 * <p>Thread safety: the pool is immutable; each {@link Producer} runs on its own thread.
 */
final class DemoEvents {
    static final String LABELS = "0,1,2,3,4,5,6,7,8,9";
    private static final int POOL = 256;
    private static final String[] BAD_KINDS = {"not JSON", "783 values instead of 784", "a NaN pixel",
        "no 'input' field", "a null value"};

    private final byte[][] pool = new byte[POOL][];
    private final float[][] inputs;
    private final Map<String, double[][]> expectedByVersion = new TreeMap<>();
    private final int badEvery;

    /** Events for a network that serves as version 1; {@link #addVersion} adds the expectations of others. */
    DemoEvents(DenseNetwork network, int badEvery) {
        this.badEvery = badEvery;
        this.inputs = network.sampleInputs(POOL, 2024);
        for (int i = 0; i < POOL; i++) {
            pool[i] = DenseNetwork.toJson(inputs[i]).getBytes(StandardCharsets.UTF_8);
        }
        addVersion("1", network);
    }

    /** Predictions carrying this version are checked against this network. */
    void addVersion(String version, DenseNetwork network) {
        double[][] expected = new double[POOL][];
        for (int i = 0; i < POOL; i++) {
            expected[i] = network.forward(inputs[i]);
        }
        expectedByVersion.put(version, expected);
    }

    boolean isBad(long i) {
        return badEvery > 0 && i % badEvery == badEvery - 1;
    }

    private byte[] value(long i) {
        if (!isBad(i)) {
            return pool[(int) (i % POOL)];
        }
        switch ((int) ((i / badEvery) % BAD_KINDS.length)) {
            case 0: return "{\"input\": [0.1, 0.2".getBytes(StandardCharsets.UTF_8);
            case 1: return DenseNetwork.toJson(new float[783]).getBytes(StandardCharsets.UTF_8);
            case 2: return new String(pool[0], StandardCharsets.UTF_8).replaceFirst("\\[[^,]+,", "[NaN,")
                    .getBytes(StandardCharsets.UTF_8);
            case 3: return "{\"pixels\": [1, 2, 3]}".getBytes(StandardCharsets.UTF_8);
            default: return null;
        }
    }

    Producer startProducing(String bootstrap, String topic, int records, int rate) {
        Producer p = new Producer(bootstrap, topic, records, rate);
        p.start();
        return p;
    }

    /** Produces the events on a thread of its own. */
    final class Producer extends Thread {
        private final String bootstrap;
        private final String topic;
        private final int records;
        private final int rate;
        private final AtomicLong produced = new AtomicLong();
        private final AtomicLong bad = new AtomicLong();

        Producer(String bootstrap, String topic, int records, int rate) {
            super("demo-producer");
            setDaemon(true);
            this.bootstrap = bootstrap;
            this.topic = topic;
            this.records = records;
            this.rate = rate;
        }

        long produced() {
            return produced.get();
        }

        long bad() {
            return bad.get();
        }

        @Override
        public void run() {
            Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            long start = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config)) {
                for (long i = 0; i < records; i++) {
                    if (rate > 0) {
                        long due = start + i * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                    }
                    producer.send(new ProducerRecord<>(topic, ("event-" + i).getBytes(StandardCharsets.UTF_8), value(i)),
                            (meta, e) -> {
                                if (e == null) {
                                    produced.incrementAndGet();
                                }
                            });
                    if (isBad(i)) {
                        bad.incrementAndGet();
                    }
                }
                producer.flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What the output and dead-letter topics hold, checked record by record. */
    static final class Audit {
        long predictions;
        long deadLetters;
        long duplicates;
        long checked;
        long wrongDeadLetters;
        double maxError;
        final Map<String, Long> deadLettersByStage = new TreeMap<>();
        final Map<String, Long> predictionsByVersion = new TreeMap<>();
    }

    Audit audit(String bootstrap, String outputTopic, String deadLetterTopic) throws IOException {
        Audit audit = new Audit();
        BitSet seen = new BitSet();
        JsonFactory json = new JsonFactory();
        for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, outputTopic)) {
            audit.predictions++;
            long i = Long.parseLong(new String(r.key(), StandardCharsets.UTF_8).substring("event-".length()));
            if (seen.get((int) i)) {
                audit.duplicates++;
            }
            seen.set((int) i);
            double[] p = probabilities(json, r.value());
            Header versionHeader = r.headers().lastHeader(DeadLetterHeaders.MODEL_VERSION);
            String version = versionHeader == null ? "?" : new String(versionHeader.value(), StandardCharsets.UTF_8);
            audit.predictionsByVersion.merge(version, 1L, Long::sum);
            double[][] expected = expectedByVersion.get(expectedByVersion.size() == 1 ? "1" : version);
            if (expected == null) {
                audit.maxError = Double.POSITIVE_INFINITY; // a version the demo never published
                continue;
            }
            double[] want = expected[(int) (i % POOL)];
            for (int c = 0; c < want.length; c++) {
                audit.maxError = Math.max(audit.maxError, Math.abs(p[c] - want[c]));
            }
            audit.checked++;
        }
        for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, deadLetterTopic)) {
            audit.deadLetters++;
            long i = Long.parseLong(new String(r.key(), StandardCharsets.UTF_8).substring("event-".length()));
            if (!isBad(i)) {
                audit.wrongDeadLetters++;
            }
            Header stage = r.headers().lastHeader(DeadLetterHeaders.STAGE);
            audit.deadLettersByStage.merge(stage == null ? "?" : new String(stage.value(), StandardCharsets.UTF_8), 1L, Long::sum);
        }
        return audit;
    }

    /** Reads outputs.probabilities from a prediction. */
    private static double[] probabilities(JsonFactory json, byte[] value) throws IOException {
        List<Double> out = new ArrayList<>();
        try (JsonParser p = json.createParser(value)) {
            int depth = 0;
            boolean inOutputs = false;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.START_OBJECT) {
                    depth++;
                } else if (t == JsonToken.END_OBJECT) {
                    depth--;
                    inOutputs = false;
                } else if (t == JsonToken.FIELD_NAME && depth == 1 && "outputs".equals(p.currentName())) {
                    inOutputs = true;
                } else if (t == JsonToken.FIELD_NAME && inOutputs && depth == 2 && "probabilities".equals(p.currentName())) {
                    p.nextToken();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        out.add(p.getDoubleValue());
                    }
                }
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
