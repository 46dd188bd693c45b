package io.inferstream.chaos;

import io.inferstream.sandbox.models.DenseNetwork;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces {@code count} keyed input records ({@code <prefix><i>}, a JSON row for the model) at a fixed rate on a
 * thread of its own, so that the engine is busy writing output whenever the test kills something. The producer is
 * idempotent with a long delivery timeout, so it rides through a broker restart without losing or repeating a record.
 *
 * <p>Thread safety: start and await from one thread; the counters may be read from any thread.
 */
final class Feeder implements AutoCloseable {
    private final String bootstrap;
    private final String topic;
    private final String prefix;
    private final int count;
    private final int perSecond;
    private final int inputs;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private Thread thread;

    Feeder(String bootstrap, String topic, String prefix, int count, int perSecond, int inputs) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.prefix = prefix;
        this.count = count;
        this.perSecond = perSecond;
        this.inputs = inputs;
    }

    Feeder start() {
        thread = new Thread(this::run, "chaos-feeder-" + topic);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void run() {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 180_000);
        c.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 180_000);
        c.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        c.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        Random random = new Random(prefix.hashCode());
        float[] row = new float[inputs];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(c)) {
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                // Open loop: the i-th record is due at i / rate seconds, whatever the engine is doing.
                long dueNanos = start + (long) i * 1_000_000_000L / perSecond;
                long wait = dueNanos - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                for (int j = 0; j < inputs; j++) {
                    row[j] = random.nextFloat();
                }
                byte[] key = (prefix + i).getBytes(StandardCharsets.UTF_8);
                byte[] value = DenseNetwork.toJson(row).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, key, value), (metadata, e) -> {
                    if (e == null) {
                        acknowledged.incrementAndGet();
                    } else {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    int count() {
        return count;
    }

    long acknowledged() {
        return acknowledged.get();
    }

    /** Waits until every record is acknowledged by the broker; fails if a send failed. */
    void awaitDone(long timeoutMs) throws InterruptedException {
        thread.join(timeoutMs);
        if (failure.get() != null) {
            throw new AssertionError("the feeder could not produce every input record", failure.get());
        }
        if (thread.isAlive() || acknowledged.get() != count) {
            throw new AssertionError("the feeder acknowledged " + acknowledged.get() + " of " + count + " records");
        }
    }

    boolean isDone() {
        return !thread.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (thread != null && thread.isAlive()) {
            thread.interrupt();
            thread.join(10_000);
        }
    }
}
