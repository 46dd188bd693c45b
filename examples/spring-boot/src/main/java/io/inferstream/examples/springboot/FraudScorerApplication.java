package io.inferstream.examples.springboot;

import io.inferstream.sandbox.kafka.EmbeddedKafkaBroker;
import io.inferstream.sandbox.models.DenseNetwork;
import io.inferstream.sandbox.models.OnnxModelWriter;
import io.inferstream.testkit.kafka.KafkaRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole application: the starter does the rest from {@code application.yml}. With arguments (or
 * {@code KAFKA_BOOTSTRAP} set) it is the service, scoring until stopped. Without, {@code bin/example spring-boot}
 * runs a demo: an in-process broker on 127.0.0.1, a small ONNX network, 20 transactions and one malformed record in,
 * the predictions and the dead letter printed, the health contributor's view, then a graceful close.
 *
 * <p>Thread safety: a program, run on its main thread.
 */
@SpringBootApplication
public class FraudScorerApplication {

    public static void main(String[] args) throws Exception {
        if (args.length > 0 || System.getenv("KAFKA_BOOTSTRAP") != null) {
            SpringApplication.run(FraudScorerApplication.class, args);
            return;
        }
        DenseNetwork net = DenseNetwork.random(12, 8, 4, 7);
        Path dir = Files.createTempDirectory("inferstream-spring-example");
        Path model = Files.write(dir.resolve("fraud.onnx"), OnnxModelWriter.denseNetwork(net));
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopic("transactions", 2);
            broker.createTopic("transactions-scored", 2);
            broker.createTopic("transactions-dlt", 1);
            List<Map.Entry<String, String>> in = new ArrayList<>();
            float[][] rows = net.sampleInputs(20, 1);
            for (int i = 0; i < rows.length; i++) {
                in.add(new AbstractMap.SimpleImmutableEntry<>("tx-" + i, DenseNetwork.toJson(rows[i])));
            }
            in.add(new AbstractMap.SimpleImmutableEntry<>("tx-bad", "{\"input\": [1, 2"));
            KafkaRecords.produceStrings(broker, "transactions", in);
            // Command-line properties: they win over application.yml (builder properties would not).
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(FraudScorerApplication.class)
                    .run("--inferstream.bootstrap.servers=" + broker.bootstrapServers(),
                            "--inferstream.model.path=" + model, "--inferstream.consumer.auto.offset.reset=earliest")) {
                for (ConsumerRecord<String, String> p : KafkaRecords.consumeStrings(broker, "transactions-scored",
                        rows.length, Duration.ofSeconds(60)).subList(0, 3)) {
                    System.out.println("prediction " + p.key() + ": " + p.value());
                }
                ConsumerRecord<String, String> dead = KafkaRecords.consumeStrings(broker, "transactions-dlt", 1,
                        Duration.ofSeconds(30)).get(0);
                System.out.println("dead letter " + dead.key() + ": " + new String(
                        dead.headers().lastHeader("inferstream.dlt.error.message").value()));
                System.out.println("health: " + context.getBean("inferstream", HealthIndicator.class).health());
            }
            System.out.println("closed: in-flight batches finished, offsets committed, model closed");
        }
    }
}
