package io.inferstream.engine;

import io.inferstream.deploy.DeployedVersion;
import io.inferstream.kafka.KafkaHeaders;
import io.inferstream.scoring.OutputHeaders;
import io.inferstream.scoring.ScoredRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Turns a scored input record into the record written for it: a prediction on the output topic or a shadow
 * prediction on the shadow topic, partitioned by {@code output.partitioning}, with the headers of the shared policy
 * ({@link OutputHeaders}: the input's, plus the model's name and version).
 *
 * <p>An input without headers, the usual case, gets one headers instance per version: the producer copies headers
 * into its batch when a record is sent and makes them read-only, so predictions can share them.
 *
 * <p>Thread safety: not thread-safe (it caches the last version's headers); one per worker.
 */
final class OutputRecords {
    private final String outputTopic;
    private final String shadowTopic;
    private final int outputPartitions;
    private final int outputMaxBytes;
    private DeployedVersion headersVersion;
    private Headers versionHeaders;

    /**
     * @param shadowTopic null for none
     * @param outputPartitions outputs go to the input's partition modulo this; 0 partitions by key
     * @param outputMaxBytes the largest record the output topic and the producer accept
     */
    OutputRecords(String outputTopic, String shadowTopic, int outputPartitions, int outputMaxBytes) {
        this.outputTopic = outputTopic;
        this.shadowTopic = shadowTopic;
        this.outputPartitions = outputPartitions;
        this.outputMaxBytes = outputMaxBytes;
    }

    ProducerRecord<byte[], byte[]> prediction(ConsumerRecord<byte[], byte[]> in, ScoredRecord<byte[]> outcome) {
        return new ProducerRecord<>(outputTopic, partition(in), in.key(), outcome.output(),
                headers(in, outcome.version()));
    }

    /** Shadow predictions follow the output's partitioning, so a shadow topic lines up with the output topic. */
    ProducerRecord<byte[], byte[]> shadow(ConsumerRecord<byte[], byte[]> in, ScoredRecord<byte[]> shadow) {
        return new ProducerRecord<>(shadowTopic, partition(in), in.key(), shadow.output(), headers(in, shadow.version()));
    }

    /** @return true if the output topic would refuse this prediction (it would fail the batch on every retry). */
    boolean tooLarge(ConsumerRecord<byte[], byte[]> in, ScoredRecord<byte[]> outcome) {
        // Cheap test first: almost every prediction is far below the limit.
        return outcome.output().length + (in.key() == null ? 0 : in.key().length) > outputMaxBytes / 2
                && KafkaHeaders.sizeOf(in.key(), outcome.output(), headers(in, outcome.version())) > outputMaxBytes;
    }

    /** @return an error saying why {@link #tooLarge} is true, for the dead letter. */
    IllegalStateException tooLargeError(ScoredRecord<byte[]> outcome) {
        return new IllegalStateException("the prediction is " + outcome.output().length + " bytes, more than the "
                + "output topic " + outputTopic + " accepts (" + outputMaxBytes + " bytes with headers)");
    }

    private Integer partition(ConsumerRecord<byte[], byte[]> in) {
        return outputPartitions > 0 ? in.partition() % outputPartitions : null;
    }

    private Headers headers(ConsumerRecord<byte[], byte[]> in, DeployedVersion version) {
        if (in.headers().iterator().hasNext()) {
            return KafkaHeaders.prediction(in.headers(), version);
        }
        if (version != headersVersion) {
            Headers headers = new RecordHeaders();
            OutputHeaders.addModelHeaders(version, headers::add);
            headersVersion = version;
            versionHeaders = headers;
        }
        return versionHeaders;
    }
}
