package io.inferstream.bench;

import io.inferstream.codec.JsonPredictionEncoder;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.model.ModelProvider;
import io.inferstream.model.Model;
import io.inferstream.model.ModelInfo;
import io.inferstream.streams.Inference;
import io.inferstream.streams.InferenceOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The Kafka Streams rows of the benchmark, on the same backlog as the engine rows: (e) a Streams app with
 * Inferstream's batching processor ({@code Inference.processor()}, at_least_once, its changelogged buffer), and (f) the
 * classic hand-written app, {@code mapValues} with one decode, one model call and one encode per record. Both get the
 * engine's producer settings ({@code linger.ms=5}, {@code batch.size=256 KB}) and {@code num.stream.threads} = the
 * engine's workers, and are timed from their first input record until the output topic holds n records
 * ({@link OutputWatch}), as the raw pipe and the engine are.
 *
 * <p>Thread safety: one run at a time.
 */
final class StreamsBench {
    /** Room for every task's full buffer in the store cache, so buffered records are not logged early (see README). */
    static final long CACHE_BYTES = 64L << 20;

    private final String bootstrap;
    private final Path stateDir;
    private final int threads;
    private final int batchSize;
    private final int partitions;

    /** @param partitions of the output topics */
    StreamsBench(String bootstrap, Path stateDir, int threads, int batchSize, int partitions) {
        this.partitions = partitions;
        this.bootstrap = bootstrap;
        this.stateDir = stateDir;
        this.threads = threads;
        this.batchSize = batchSize;
    }

    /** (e): the span of a run through the batching processor. */
    Window batched(ModelProvider model, Function<ModelInfo, RecordDecoder> decoders, String input, String output,
            int n) throws Exception {
        try (Inference inference = Inference.start(model, InferenceOptions.builder().maxBatchSize(batchSize)
                .decoders(decoders).slots(threads).build())) {
            return run(input, output, n, in -> in.processValues(inference.processor()));
        }
    }

    /** (f): the span of a run with one model call per record; a model that is not thread-safe gets one copy per thread. */
    Window perRecord(ModelProvider model, Function<ModelInfo, RecordDecoder> decoders, String input, String output,
            int n) throws Exception {
        ConcurrentLinkedQueue<Model> loaded = new ConcurrentLinkedQueue<>();
        ThreadLocal<Scorer> scorers = ThreadLocal.withInitial(() -> {
            try {
                Model m = model.load();
                loaded.add(m);
                return new Scorer(m, decoders.apply(m.info()));
            } catch (Exception e) {
                throw new IllegalStateException("cannot load the model", e);
            }
        });
        try {
            return run(input, output, n, in -> in.mapValues((key, value) -> scorers.get().score(key, value)));
        } finally {
            loaded.forEach(Model::close);
        }
    }

    /** One thread's model and codecs for the per-record style. */
    private static final class Scorer {
        final Model model;
        final RecordDecoder decoder;
        final JsonPredictionEncoder encoder = new JsonPredictionEncoder();

        Scorer(Model model, RecordDecoder decoder) {
            this.model = model;
            this.decoder = decoder;
        }

        byte[] score(byte[] key, byte[] value) {
            try {
                return encoder.encode(model.predict(List.of(decoder.decode(value))).get(0), model.info(), key);
            } catch (Exception e) {
                return ("{\"error\":\"" + e.getMessage() + "\"}").getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    private Window run(String input, String output, int n,
            Function<KStream<byte[], byte[]>, KStream<byte[], byte[]>> scoring) throws Exception {
        AtomicReference<Moment> firstRecord = new AtomicReference<>();
        Serde<byte[]> bytes = Serdes.ByteArray();
        StreamsBuilder builder = new StreamsBuilder();
        KStream<byte[], byte[]> in = builder.stream(input, Consumed.with(bytes, bytes))
                .peek((k, v) -> {
                    if (firstRecord.get() == null) {
                        firstRecord.compareAndSet(null, Moment.now());
                    }
                });
        scoring.apply(in).to(output, Produced.with(bytes, bytes));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, output);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(output).toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, CACHE_BYTES);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
             OutputWatch watch = new OutputWatch(bootstrap)) {
            streams.start();
            watch.awaitRecords(output, partitions, n, Duration.ofMinutes(10), () -> {
                if (streams.state() == KafkaStreams.State.ERROR) {
                    throw new IllegalStateException(output + ": Kafka Streams " + streams.state());
                }
            });
            return new Window(firstRecord.get(), Moment.now(), n);
        }
    }
}
