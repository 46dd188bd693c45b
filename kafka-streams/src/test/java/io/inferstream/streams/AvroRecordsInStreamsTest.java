package io.inferstream.streams;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.streams.example.EmbedModelInKafkaStreams;
import io.inferstream.testkit.registry.SchemaRegistryStandIn;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Avro records in the schema registry's wire format scored by the Kafka Streams processor, whose decoders come from
 * the engine's configuration ({@code InferenceOptions.Builder.decoders}): the same codec, the same dead letters.
 */
class AvroRecordsInStreamsTest {
    static final DenseNetwork NET = DenseNetwork.random(6, 5, 3, 17);

    @TempDir
    Path dir;

    @Test
    void registryFramedAvroRecordsAreScoredAndForeignOnesDeadLettered() throws Exception {
        Schema schema = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Image\",\"fields\":["
                + "{\"name\":\"pixels\",\"type\":{\"type\":\"array\",\"items\":\"float\"}}]}");
        try (SchemaRegistryStandIn registry = SchemaRegistryStandIn.start()) {
            int id = registry.register("events-value", "AVRO", schema.toString());
            Map<String, Object> engine = new HashMap<>(Map.of(EngineConfig.BOOTSTRAP_SERVERS, "unused:9092",
                    EngineConfig.GROUP_ID, "unused", EngineConfig.INPUT_TOPICS, "events", EngineConfig.OUTPUT_TOPIC,
                    "predictions", EngineConfig.DEAD_LETTER_TOPIC, "dead-letters", EngineConfig.MODEL_PATH, "unused"));
            engine.put(EngineConfig.INPUT_CODEC, "avro");
            engine.put(EngineConfig.SCHEMA_REGISTRY_URL, registry.url());
            engine.put(EngineConfig.INPUT_FIELD_PREFIX + "input", "pixels");
            EngineConfig config = new EngineConfig(engine);
            Path model = Files.write(dir.resolve("net.onnx"), OnnxModelWriter.denseNetwork(NET));
            ModelRegistry models = ModelRegistry.discover();
            try (Inference inference = Inference.start(() -> models.load(ModelSource.of(model), null, Map.of()),
                    InferenceOptions.builder().maxBatchSize(5).maxBatchDelay(Duration.ofMillis(100))
                            .predictionChild("predictions").deadLetterChild("dead-letters")
                            .decoders(info -> RecordCodecs.decoder(config, info)).build())) {
                Properties props = new Properties();
                props.put(StreamsConfig.APPLICATION_ID_CONFIG, "avro-streams-test");
                props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
                try (TopologyTestDriver driver = new TopologyTestDriver(EmbedModelInKafkaStreams.topology(inference),
                        props, Instant.EPOCH)) {
                    TestInputTopic<byte[], byte[]> events = driver.createInputTopic("events", new ByteArraySerializer(),
                            new ByteArraySerializer());
                    float[][] rows = NET.sampleInputs(10, 18);
                    for (int i = 0; i < rows.length; i++) {
                        events.pipeInput(("k" + i).getBytes(StandardCharsets.UTF_8), framed(id, schema, rows[i]));
                    }
                    events.pipeInput("bad".getBytes(StandardCharsets.UTF_8),
                            "{\"pixels\":[1]}".getBytes(StandardCharsets.UTF_8));
                    driver.advanceWallClockTime(Duration.ofMillis(200));
                    TestOutputTopic<String, String> predictions = driver.createOutputTopic("predictions",
                            new StringDeserializer(), new StringDeserializer());
                    List<TestRecord<String, String>> out = predictions.readRecordsToList();
                    assertEquals(rows.length, out.size());
                    for (int i = 0; i < rows.length; i++) {
                        ScoredPrediction p = InferenceSerdes.prediction().deserializer().deserialize("predictions",
                                out.get(i).value().getBytes(StandardCharsets.UTF_8));
                        assertArrayEquals(NET.forward(rows[i]), p.numbers("probabilities"), 1e-5, "k" + i);
                    }
                    List<TestRecord<String, String>> dead = driver.createOutputTopic("dead-letters",
                            new StringDeserializer(), new StringDeserializer()).readRecordsToList();
                    assertEquals(1, dead.size());
                    String reason = new String(dead.get(0).headers().lastHeader(
                            io.inferstream.scoring.DeadLetterHeaders.ERROR_MESSAGE).value(), StandardCharsets.UTF_8);
                    assertTrue(reason.contains("wrong magic byte 0x7B"), reason);
                }
            }
        }
    }

    private static byte[] framed(int id, Schema schema, float[] x) throws Exception {
        GenericRecord r = new GenericData.Record(schema);
        List<Float> pixels = new ArrayList<>();
        for (float f : x) {
            pixels.add(f);
        }
        r.put("pixels", pixels);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(r, e);
        e.flush();
        return out.toByteArray();
    }
}
