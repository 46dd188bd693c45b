package io.inferstream.scoring;

/**
 * One record header, neutral of any host's header type (Kafka's {@code Header}, a Flink map entry): hosts convert at
 * their edge. Headers may repeat a name, as Kafka's do.
 *
 * <p>Thread safety: immutable as long as no one writes into the value array, which nothing here does.
 *
 * @param name the header's name
 * @param value its bytes, or null
 */
public record HeaderField(String name, byte[] value) {
}
