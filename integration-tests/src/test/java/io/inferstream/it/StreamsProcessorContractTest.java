package io.inferstream.it;

import static io.inferstream.it.ContractModels.BATCH;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.config.EngineConfig;
import io.inferstream.it.ContractModels.ContractModel;
import io.inferstream.it.ContractModels.Rows;
import io.inferstream.model.ModelProvider;
import io.inferstream.sandbox.models.ReferenceClassifier;
import io.inferstream.scoring.ScoringPipeline;
import io.inferstream.streams.Inference;
import io.inferstream.streams.InferenceOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cross-framework contract through the Kafka Streams processor: the contract model of every format (the same
 * {@link ReferenceClassifier}, made by each framework as its adapter's contract test makes it) scores the same
 * records byte for byte alike through the engine's {@link ScoringPipeline} and through
 * {@code Inference.processor()} in a topology under {@code TopologyTestDriver}, and both match the plain-Java
 * reference. {@link FlinkOperatorContractTest} is the same through the Flink operator.
 */
class StreamsProcessorContractTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.inferstream.it.ContractModels#models")
    void theStreamsProcessorScoresEveryContractModelAsTheEngineDoes(ContractModel m) throws Exception {
        ModelProvider provider = ContractModels.provider(m, dir);
        EngineConfig config = m.config();
        Rows rows = Rows.sample();
        List<byte[]> engine = ContractModels.scoreWithEngine(m, provider, rows);

        List<TestRecord<byte[], byte[]>> streams;
        // The engine's own decoder factory, so the processor decodes exactly as the engine is configured to.
        try (Inference inference = Inference.start(provider, InferenceOptions.builder().maxBatchSize(BATCH)
                .decoders(info -> RecordCodecs.decoder(config, info))
                .classLabels(config.getList(EngineConfig.MODEL_CLASS_LABELS),
                        config.getString(EngineConfig.MODEL_CLASS_OUTPUT))
                .predictionChild("predictions").deadLetterChild("dead-letters").build())) {
            StreamsBuilder builder = new StreamsBuilder();
            Serde<byte[]> bytes = Serdes.ByteArray();
            KStream<byte[], byte[]> scored = builder.stream("rows", Consumed.with(bytes, bytes))
                    .processValues(inference.processor());
            scored.to("predictions", Produced.with(bytes, bytes).withName("predictions"));
            scored.to("dead-letters", Produced.with(bytes, bytes).withName("dead-letters"));
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "contract-" + m.name());
            props.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
            try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props, Instant.EPOCH)) {
                TestInputTopic<byte[], byte[]> in = driver.createInputTopic("rows", new ByteArraySerializer(),
                        new ByteArraySerializer());
                for (int i = 0; i < ContractModels.ROWS; i++) {
                    in.pipeInput(rows.keys().get(i), rows.values().get(i));
                }
                driver.advanceWallClockTime(Duration.ofSeconds(1)); // the last, part-filled batch
                streams = driver.createOutputTopic("predictions", new ByteArrayDeserializer(),
                        new ByteArrayDeserializer()).readRecordsToList();
                assertTrue(driver.createOutputTopic("dead-letters", new ByteArrayDeserializer(),
                        new ByteArrayDeserializer()).isEmpty(), m + ": no dead letters");
            }
        }

        ContractModels.assertSameAsEngine(m, "Streams", rows, engine, streams.stream().map(TestRecord::key).toList(),
                streams.stream().map(TestRecord::value).toList());
    }
}
