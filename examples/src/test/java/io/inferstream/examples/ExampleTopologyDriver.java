package io.inferstream.examples;

import io.inferstream.codec.JsonRecordDecoder;
import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.Model;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * An example's topology under {@link TopologyTestDriver}, as users test their own: JSON strings in, strings out, the
 * wall clock advanced past the batch delay; and the model's own predictions for the same inputs, to compare with.
 *
 * <p>Thread safety: not thread-safe; one per test.
 */
final class ExampleTopologyDriver implements AutoCloseable {
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, String> input;

    ExampleTopologyDriver(Topology topology, String inputTopic, Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "example-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology, props, Instant.EPOCH);
        input = driver.createInputTopic(inputTopic, new StringSerializer(), new StringSerializer());
    }

    /** Pipes the records in, then lets a second of wall-clock time pass so a part-filled batch is scored too. */
    void send(List<Map.Entry<String, String>> records) {
        records.forEach(r -> input.pipeInput(r.getKey(), r.getValue()));
        driver.advanceWallClockTime(Duration.ofSeconds(1));
    }

    List<TestRecord<String, String>> read(String topic) {
        return driver.createOutputTopic(topic, new StringDeserializer(), new StringDeserializer()).readRecordsToList();
    }

    static String header(TestRecord<?, ?> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** @return what the model itself predicts for these JSON values, decoded as the processor decodes them. */
    static List<Prediction> ownPredictions(Model model, List<Map.Entry<String, String>> records) throws Exception {
        JsonRecordDecoder decoder = new JsonRecordDecoder(model.info(), Map.of(), false);
        List<Features> rows = new ArrayList<>();
        for (Map.Entry<String, String> r : records) {
            rows.add(decoder.decode(r.getValue().getBytes(StandardCharsets.UTF_8)));
        }
        return model.predict(rows);
    }

    @Override
    public void close() {
        driver.close();
    }
}
