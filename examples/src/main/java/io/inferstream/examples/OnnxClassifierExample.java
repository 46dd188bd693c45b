package io.inferstream.examples;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.testkit.contract.ReferenceClassifier;
import io.inferstream.testkit.onnx.OnnxModelWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Serves an ONNX classifier on Kafka from Java code: JSON records with four scalar fields in, a label and class
 * probabilities out. The fields are joined into the model's single tensor input by {@code input.concat.features},
 * and {@code model.class.labels} turns its probability vector into labels.
 *
 * <p>Run: {@code bin/example onnx [bootstrap-servers]} (without servers it starts a broker in-process).
 *
 * <p>Thread safety: a program, run on its main thread.
 */
public final class OnnxClassifierExample {
    private OnnxClassifierExample() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Files.createTempFile("classifier", ".onnx");
        Files.write(model, OnnxModelWriter.referenceClassifier());
        try (ExampleKafka kafka = ExampleKafka.fromArgs(args)) {
            kafka.createTopics(3, "readings", "readings-scored", "readings-dlt");

            EngineConfig config = new EngineConfig(Map.of(
                    "bootstrap.servers", kafka.bootstrapServers(),
                    "group.id", "onnx-classifier-example",
                    "input.topics", "readings",
                    "output.topic", "readings-scored",
                    "dead.letter.topic", "readings-dlt",
                    "input.concat.features", "f0,f1,f2,f3",
                    "model.class.labels", "low,mid,high"));
            ModelRegistry registry = ModelRegistry.discover();
            try (InferenceEngine engine = InferenceEngine.start(config,
                    () -> registry.load(ModelSource.of(model), null, Map.of()))) {
                send(kafka.bootstrapServers());
                printPredictions(kafka.bootstrapServers(), 6);
            }
        } finally {
            Files.deleteIfExists(model);
        }
    }

    private static void send(String bootstrap) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            double[][] rows = ReferenceClassifier.sampleInputs(5, 1);
            for (int i = 0; i < rows.length; i++) {
                producer.send(new ProducerRecord<>("readings", "sensor-" + i, ReferenceClassifier.toJson(rows[i])));
            }
            producer.send(new ProducerRecord<>("readings", "sensor-broken", "{\"f0\": 1.0, \"f1\": \"n/a\"}"));
        }
    }

    private static void printPredictions(String bootstrap, int expected) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "example-reader-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of("readings-scored", "readings-dlt"));
            int seen = 0;
            long deadline = System.currentTimeMillis() + 30_000;
            while (seen < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen++;
                    String reason = r.headers().lastHeader("inferstream.dlt.error.message") == null ? ""
                            : "  <- dead letter: " + new String(r.headers().lastHeader("inferstream.dlt.error.message").value(),
                                    java.nio.charset.StandardCharsets.UTF_8);
                    System.out.println(r.topic() + "  " + r.key() + "  " + r.value() + reason);
                }
            }
        }
    }
}
