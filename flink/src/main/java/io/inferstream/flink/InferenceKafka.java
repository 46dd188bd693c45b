package io.inferstream.flink;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Kafka record (de)serialization for flink-connector-kafka's {@code KafkaSource} and {@code KafkaSink}: inputs keep
 * their key, value, headers, topic, partition and offset (a dead letter reports them); outputs are written with their
 * key and headers, as the engine writes predictions and dead letters.
 *
 * <p>Thread safety: stateless.
 */
public final class InferenceKafka {
    private InferenceKafka() {
    }

    /** @return for {@code KafkaSource.builder().setDeserializer(...)}. */
    public static KafkaRecordDeserializationSchema<InferenceInput> deserializer() {
        return new InputDeserializer();
    }

    /** @return for {@code KafkaSink.builder().setRecordSerializer(...)}: every output to {@code topic}. */
    public static KafkaRecordSerializationSchema<InferenceOutput> serializer(String topic) {
        return new OutputSerializer(topic);
    }

    /** Reads a Kafka record into an {@link InferenceInput}. Stateless. */
    private static final class InputDeserializer implements KafkaRecordDeserializationSchema<InferenceInput> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<InferenceInput> out) {
            Map<String, byte[]> headers = new LinkedHashMap<>();
            for (Header h : record.headers()) {
                headers.put(h.key(), h.value());
            }
            out.collect(InferenceInput.fromKafka(record.key(), record.value(), headers, record.topic(),
                    record.partition(), record.offset()));
        }

        @Override
        public TypeInformation<InferenceInput> getProducedType() {
            return TypeInformation.of(InferenceInput.class);
        }
    }

    /** Writes an {@link InferenceOutput} as a Kafka record. Stateless. */
    private static final class OutputSerializer implements KafkaRecordSerializationSchema<InferenceOutput> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        OutputSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(InferenceOutput element, KafkaSinkContext context,
                Long timestamp) {
            RecordHeaders headers = new RecordHeaders();
            element.headers.forEach(headers::add);
            return new ProducerRecord<>(topic, null, timestamp, element.key, element.value, headers);
        }
    }
}
