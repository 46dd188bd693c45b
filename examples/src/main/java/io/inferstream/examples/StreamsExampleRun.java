package io.inferstream.examples;

import io.inferstream.sandbox.models.ScratchDirectory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * What every Kafka Streams example does once it has its topology: create its topics on the given cluster (or an
 * in-process broker), run the topology as a Kafka Streams application, send the example's records, and print what
 * comes out: predictions, and dead letters with their reason.
 *
 * <p>Thread safety: stateless; one run at a time per application id.
 */
final class StreamsExampleRun {
    private StreamsExampleRun() {
    }

    /**
     * @param threads {@code num.stream.threads}: each runs some of the input's 3 partitions (stream tasks)
     * @param outputs the topics the topology writes, read back and printed
     */
    static void run(String[] args, String applicationId, Topology topology, int threads, String input,
            List<String> outputs, List<Map.Entry<String, String>> records) throws Exception {
        try (ExampleKafka kafka = ExampleKafka.fromArgs(args);
             ScratchDirectory state = ScratchDirectory.create(applicationId)) {
            List<String> topics = new ArrayList<>(outputs);
            topics.add(input);
            kafka.createTopics(3, topics.toArray(String[]::new));
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            props.put(StreamsConfig.STATE_DIR_CONFIG, state.path().toString());
            props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
            System.out.println(topology.describe());
            try (KafkaStreams streams = new KafkaStreams(topology, props)) {
                streams.start();
                ExampleRun.send(kafka.bootstrapServers(), input, records);
                ExampleRun.print(kafka.bootstrapServers(), applicationId + "-reader", outputs, records.size());
            }
        }
    }
}
