package io.inferstream.streams;

import io.inferstream.scoring.DeadLetters;
import io.inferstream.scoring.HeaderField;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Kafka Streams' own dead-letter conventions (KIP-1034, Kafka 4.2): when the application sets
 * {@code errors.dead.letter.queue.topic.name}, Streams' exception handlers write a failed record there with the
 * headers {@code __streams.errors.exception}, {@code .message}, {@code .stacktrace}, {@code .topic},
 * {@code .partition} and {@code .offset} (UTF-8 text). The processor's dead letters then carry those headers too,
 * next to the engine's own ({@code inferstream.*}), so a tool written for Streams' dead-letter queue reads ours.
 *
 * <p>The processor still forwards its dead letters to its dead-letter child rather than leaving them to Streams'
 * handlers, because those handlers only see a record that a processor throws on while processing it; this processor
 * scores records later, in batches, from its buffer store, and must not throw for one bad record of a batch (the
 * batch's other records would be lost to the handler, or fail the task). Route the child to the same topic:
 * {@code scored.to(config.getString(ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG), Produced.as("dead-letters"))}.
 *
 * <p>Thread safety: immutable.
 */
final class StreamsDeadLetterHeaders {
    static final String EXCEPTION = "__streams.errors.exception";
    static final String MESSAGE = "__streams.errors.message";
    static final String STACKTRACE = "__streams.errors.stacktrace";
    static final String TOPIC = "__streams.errors.topic";
    static final String PARTITION = "__streams.errors.partition";
    static final String OFFSET = "__streams.errors.offset";
    /** Longest stack trace kept: the top frames say where; the rest would crowd out the record. */
    static final int MAX_STACKTRACE_CHARS = 4_000;

    private StreamsDeadLetterHeaders() {
    }

    /** @return whether the application configured Streams' dead-letter queue. */
    static boolean configured(Map<String, Object> appConfigs) {
        Object topic = appConfigs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        return topic != null && !topic.toString().isBlank();
    }

    /**
     * @return the letter with Streams' headers added, if it still fits {@code maxBytes}; else the letter unchanged
     *     (the engine's headers already say why and where)
     */
    static DeadLetters.DeadLetter addTo(DeadLetters.DeadLetter letter, String topic, int partition, long offset,
            Exception error, int maxBytes) {
        List<HeaderField> headers = new ArrayList<>(letter.headers());
        headers.add(utf8(EXCEPTION, error.getClass().getName()));
        String message = String.valueOf(error.getMessage());
        headers.add(utf8(MESSAGE, message.length() > DeadLetters.MAX_MESSAGE_CHARS
                ? message.substring(0, DeadLetters.MAX_MESSAGE_CHARS) : message));
        StringWriter trace = new StringWriter();
        error.printStackTrace(new PrintWriter(trace));
        String stack = trace.toString();
        headers.add(utf8(STACKTRACE, stack.length() > MAX_STACKTRACE_CHARS ? stack.substring(0, MAX_STACKTRACE_CHARS)
                : stack));
        if (topic != null) {
            headers.add(utf8(TOPIC, topic));
            headers.add(utf8(PARTITION, Integer.toString(partition)));
            headers.add(utf8(OFFSET, Long.toString(offset)));
        }
        if (DeadLetters.sizeOf(letter.key(), letter.value(), headers) > maxBytes) {
            return letter;
        }
        return new DeadLetters.DeadLetter(letter.key(), letter.value(), List.copyOf(headers));
    }

    private static HeaderField utf8(String name, String value) {
        return new HeaderField(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
