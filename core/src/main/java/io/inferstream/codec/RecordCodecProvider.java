package io.inferstream.codec;

import io.inferstream.config.EngineConfig;
import io.inferstream.model.ModelInfo;
import java.util.List;

/**
 * Codecs that live outside core because they need a library of their own (Avro, Protobuf), found with
 * {@link java.util.ServiceLoader} when {@code input.codec} or {@code output.codec} names one that core does not
 * know. A provider reads its own keys ({@code schema.registry.url}, {@code input.avro.schema}, ...) from the engine's
 * configuration.
 *
 * <p>Thread safety: implementations must be thread-safe; the decoders and encoders they make must be too (workers
 * share them).
 */
public interface RecordCodecProvider {

    /** @return the {@code input.codec} values this provider decodes, e.g. {@code avro} */
    List<String> inputCodecs();

    /** @return the {@code output.codec} values this provider encodes; empty for none */
    List<String> outputCodecs();

    /**
     * @param codec one of {@link #inputCodecs()}
     * @return a decoder of that codec for this model's inputs
     * @throws IllegalArgumentException if the configuration cannot feed the model, naming the fields and inputs
     */
    RecordDecoder decoder(String codec, EngineConfig config, ModelInfo model);

    /**
     * @param codec one of {@link #outputCodecs()}
     * @return an encoder of predictions for {@code output.topic}
     * @throws IllegalArgumentException if the configuration is incomplete
     */
    PredictionEncoder<byte[]> encoder(String codec, EngineConfig config);
}
