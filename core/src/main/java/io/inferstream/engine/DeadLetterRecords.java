package io.inferstream.engine;

import io.inferstream.kafka.KafkaHeaders;
import io.inferstream.model.ModelInfo;
import io.inferstream.scoring.DeadLetters;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The engine's dead-letter records: {@link DeadLetters} (the one builder every host shares: reason headers, capped
 * message, cut to fit the topic) turned into a {@link ProducerRecord} for the dead-letter topic.
 *
 * <p>Thread safety: immutable, safe to share.
 */
final class DeadLetterRecords {
    private final String topic;
    private final DeadLetters deadLetters;

    /**
     * @param topic the dead-letter topic
     * @param maxBytes the largest record the topic and the producer accept
     */
    DeadLetterRecords(String topic, int maxBytes) {
        this.topic = topic;
        this.deadLetters = new DeadLetters(maxBytes);
    }

    ProducerRecord<byte[], byte[]> of(ConsumerRecord<byte[], byte[]> in, String stage, Exception error, ModelInfo model) {
        DeadLetters.DeadLetter letter = deadLetters.of(new DeadLetters.Origin(in.topic(), in.partition(), in.offset()),
                in.key(), in.value(), KafkaHeaders.fields(in.headers()), stage, error, model);
        return new ProducerRecord<>(topic, null, letter.key(), letter.value(), KafkaHeaders.of(letter.headers()));
    }
}
