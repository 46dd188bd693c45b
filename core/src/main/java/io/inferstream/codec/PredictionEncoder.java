package io.inferstream.codec;

import io.inferstream.data.Prediction;
import io.inferstream.model.ModelInfo;

/**
 * Turns a model's prediction into what a host writes out: the output side of {@link RecordDecoder}. The engine, the
 * Kafka Streams processor and the Flink operator write {@link JsonPredictionEncoder}'s bytes; a host that wants the
 * {@link Prediction} objects themselves (Flink SQL maps them onto a row) takes {@link #unencoded()} and skips any
 * round trip through bytes. An Avro or Protobuf writer plugs in here.
 *
 * <p>Thread safety: implementations in this package are stateless and thread-safe; a scoring pipeline calls its
 * encoder from one thread at a time.
 *
 * @param <T> what a prediction becomes, e.g. {@code byte[]}
 */
@FunctionalInterface
public interface PredictionEncoder<T> {

    /**
     * @param prediction the model's answer for one record
     * @param model name, version and signature of the version that answered
     * @param key the input record's key, or null
     * @return the encoded prediction; never null
     */
    T encode(Prediction prediction, ModelInfo model, byte[] key);

    /** @return the encoder that keeps the prediction as it is, for hosts that map it themselves. */
    static PredictionEncoder<Prediction> unencoded() {
        return (prediction, model, key) -> prediction;
    }
}
