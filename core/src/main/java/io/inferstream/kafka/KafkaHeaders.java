package io.inferstream.kafka;

import io.inferstream.deploy.DeployedVersion;
import io.inferstream.scoring.DeadLetters;
import io.inferstream.scoring.HeaderField;
import io.inferstream.scoring.OutputHeaders;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The scoring path's header rules ({@link OutputHeaders}, {@link DeadLetters}) in Kafka's header type, for the hosts
 * that write Kafka records: the engine and the Kafka Streams processor.
 *
 * <p>Thread safety: stateless.
 */
public final class KafkaHeaders {
    private KafkaHeaders() {
    }

    /** @return a prediction's headers: the input's, with the scoring model's name and version (see {@link OutputHeaders}). */
    public static Headers prediction(Headers input, DeployedVersion version) {
        RecordHeaders out = new RecordHeaders();
        for (Header h : input) {
            if (OutputHeaders.keptOnPrediction(h.key())) {
                out.add(h);
            }
        }
        OutputHeaders.addModelHeaders(version, out::add);
        return out;
    }

    /** @return Kafka headers as neutral fields, in order. */
    public static List<HeaderField> fields(Headers headers) {
        List<HeaderField> out = new ArrayList<>();
        for (Header h : headers) {
            out.add(new HeaderField(h.key(), h.value()));
        }
        return out;
    }

    /** @return neutral fields as Kafka headers, in order. */
    public static Headers of(List<HeaderField> fields) {
        RecordHeaders out = new RecordHeaders();
        fields.forEach(f -> out.add(f.name(), f.value()));
        return out;
    }

    /** @return {@link DeadLetters#sizeOf}'s estimate for a Kafka record of these parts. */
    public static int sizeOf(byte[] key, byte[] value, Headers headers) {
        long n = DeadLetters.recordSize(key, value);
        for (Header h : headers) {
            n += DeadLetters.headerSize(h.key(), h.value());
        }
        return (int) Math.min(Integer.MAX_VALUE, n);
    }
}
