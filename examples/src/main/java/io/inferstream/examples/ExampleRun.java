package io.inferstream.examples;

import io.inferstream.config.EngineConfig;
import io.inferstream.engine.InferenceEngine;
import io.inferstream.model.ModelRegistry;
import io.inferstream.model.ModelSource;
import io.inferstream.scoring.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What every example does once it has a model: create topics, start the engine with the example's settings, send
 * the example's records, and print each prediction and each dead letter with its reason.
 *
 * <p>Thread safety: one per example run.
 */
final class ExampleRun {
    private final String name;
    private final ModelSource model;
    private final Map<String, Object> settings = new HashMap<>();

    /**
     * @param name used for topic names: {@code <name>}, {@code <name>-scored}, {@code <name>-dlt}
     * @param model the model to serve
     */
    ExampleRun(String name, ModelSource model) {
        this.name = name;
        this.model = model;
    }

    /** Adds an engine setting, e.g. {@code input.concat.features=f0,f1}. */
    ExampleRun with(String key, Object value) {
        settings.put(key, value);
        return this;
    }

    /** Serves the model on Kafka (from {@code args}, or in-process), sends the records and prints the results. */
    void run(String[] args, List<Map.Entry<String, String>> records) throws Exception {
        try (ExampleKafka kafka = ExampleKafka.fromArgs(args)) {
            kafka.createTopics(3, name, name + "-scored", name + "-dlt");
            Map<String, Object> props = new HashMap<>(settings);
            props.put(EngineConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            props.put(EngineConfig.GROUP_ID, name + "-example");
            props.put(EngineConfig.INPUT_TOPICS, name);
            props.put(EngineConfig.OUTPUT_TOPIC, name + "-scored");
            props.put(EngineConfig.DEAD_LETTER_TOPIC, name + "-dlt");
            ModelRegistry registry = ModelRegistry.discover();
            EngineConfig config = new EngineConfig(props);
            try (InferenceEngine engine = InferenceEngine.start(config,
                    () -> registry.load(model, null, config.modelOptions()))) {
                System.out.println("serving " + engine.modelInfo());
                send(kafka.bootstrapServers(), name, records);
                print(kafka.bootstrapServers(), name + "-reader", List.of(name + "-scored", name + "-dlt"),
                        records.size());
            }
        }
    }

    /** Sends the records to {@code topic}, printing each. */
    static void send(String bootstrap, String topic, List<Map.Entry<String, String>> records) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            for (Map.Entry<String, String> r : records) {
                System.out.println("in   " + r.getKey() + "  " + r.getValue());
                producer.send(new ProducerRecord<>(topic, r.getKey(), r.getValue()));
            }
        }
    }

    /** Prints what arrives on {@code topics} until {@code expected} records did (or a minute passed). */
    static void print(String bootstrap, String group, List<String> topics, int expected) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, group + "-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(topics);
            int seen = 0;
            long deadline = System.currentTimeMillis() + 60_000;
            while (seen < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    seen++;
                    Header reason = r.headers().lastHeader(DeadLetterHeaders.ERROR_MESSAGE);
                    System.out.println(reason == null ? "out  " + r.key() + "  " + r.value()
                            : "dlt  " + r.key() + "  " + r.value() + "\n       reason: "
                                    + new String(reason.value(), StandardCharsets.UTF_8));
                }
            }
        }
    }
}
