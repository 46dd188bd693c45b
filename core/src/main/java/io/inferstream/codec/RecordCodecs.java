package io.inferstream.codec;

import io.inferstream.config.EngineConfig;
import io.inferstream.model.ModelInfo;
import java.util.List;
import java.util.Map;

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
        String codec = config.getString(EngineConfig.INPUT_CODEC);
        if (!BUILT_IN.contains(codec)) {
            return provider(codec, true).decoder(codec, config, model);
        }
        return decoder(codec, model, config.inputConcatenations(),
                config.getList(EngineConfig.INPUT_CSV_HEADER), config.getBoolean(EngineConfig.INPUT_ALLOW_NAN));
    }

    /**
     * @return the encoder {@code output.codec} names: JSON ({@link JsonPredictionEncoder}) unless a
     *     {@link RecordCodecProvider} supplies another
     * @throws IllegalArgumentException if no provider on the class path writes that codec
     */
    public static PredictionEncoder<byte[]> encoder(EngineConfig config) {
        String codec = config.getString(EngineConfig.OUTPUT_CODEC);
        return "json".equals(codec) ? new JsonPredictionEncoder() : provider(codec, false).encoder(codec, config);
    }

    /** The codecs core decodes itself; others come from a {@link RecordCodecProvider}. */
    private static final List<String> BUILT_IN = List.of("json", "csv", "float32");

    private static RecordCodecProvider provider(String codec, boolean input) {
        for (RecordCodecProvider p : java.util.ServiceLoader.load(RecordCodecProvider.class)) {
            if ((input ? p.inputCodecs() : p.outputCodecs()).contains(codec)) {
                return p;
            }
        }
        throw new IllegalArgumentException((input ? "input" : "output") + ".codec=" + codec + " needs the "
                + "inferstream-schema-codecs module on the class path (the distribution includes it)");
    }

    /**
     * The same, from the values of those keys (for hosts configured in code, e.g. the stream-processor options).
     *
     * @param codec {@code input.codec}
     * @param concatenations JSON only: input to the fields joined into it ({@code input.concat.<input>})
     * @param csvHeader CSV only: the columns' names ({@code input.csv.header}), empty for the model's inputs
     * @param allowNonFinite {@code input.allow.nan}
     * @throws IllegalArgumentException for an unknown codec, or one that does not fit the model
     */
    public static RecordDecoder decoder(String codec, ModelInfo model, Map<String, List<String>> concatenations,
            List<String> csvHeader, boolean allowNonFinite) {
        switch (codec) {
            case "json":
                return new JsonRecordDecoder(model, concatenations, allowNonFinite);
            case "csv":
                return new CsvRecordDecoder(model, csvHeader, allowNonFinite);
            case "float32":
                return new Float32RecordDecoder(model, allowNonFinite);
            case "avro":
            case "protobuf":
                throw new IllegalArgumentException("input.codec=" + codec + " reads its schema settings (schema.registry.url, "
                        + "input.avro.schema, ...) from the engine's configuration: make the decoder with "
                        + "RecordCodecs.decoder(EngineConfig, ModelInfo)");
            default:
                throw new IllegalArgumentException("unknown input.codec '" + codec + "'; use one of " + EngineConfig.CODECS);
        }
    }
}
