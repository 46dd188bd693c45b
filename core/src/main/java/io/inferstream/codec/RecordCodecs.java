package io.inferstream.codec;

import io.inferstream.config.EngineConfig;
import io.inferstream.model.ModelInfo;

/**
 * Makes the configured {@link RecordDecoder} for a model.
 *
 * <p>Thread safety: stateless.
 */
public final class RecordCodecs {
    private RecordCodecs() {
    }

    /**
     * @return the decoder that {@code input.codec} and its companion keys describe, for this model's inputs
     * @throws IllegalArgumentException if the configuration does not fit the model, with a message naming both
     */
    public static RecordDecoder decoder(EngineConfig config, ModelInfo model) {
        boolean allowNonFinite = config.getBoolean(EngineConfig.INPUT_ALLOW_NAN);
        String codec = config.getString(EngineConfig.INPUT_CODEC);
        switch (codec) {
            case "json":
                return new JsonRecordDecoder(model, config.inputConcatenations(), allowNonFinite);
            case "csv":
                return new CsvRecordDecoder(model, config.getList(EngineConfig.INPUT_CSV_HEADER), allowNonFinite);
            case "float32":
                return new Float32RecordDecoder(model, allowNonFinite);
            default:
                throw new IllegalArgumentException("unknown input.codec '" + codec + "'; use one of " + EngineConfig.CODECS);
        }
    }
}
