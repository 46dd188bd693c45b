package io.inferstream.flink;

import io.inferstream.codec.RecordCodecs;
import io.inferstream.codec.RecordDecoder;
import io.inferstream.model.ModelInfo;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Makes the record decoder for a model's inputs on the task manager, for {@link InferenceOptions.Builder#decoders}:
 * serializable, because Flink ships the options to every subtask while decoders (with their schema caches and
 * registry clients) stay where they are made. The same seam as the Kafka Streams processor's {@code decoders}
 * option and the engine's {@code input.codec}, so Avro and Protobuf records ({@code input.codec=avro|protobuf}, from
 * the {@code inferstream-schema-codecs} module on the job's class path) are read by the same code in every host:
 * <pre>{@code
 * InferenceOptions.builder().decoders(RecordDecoderFactory.engineCodec(Map.of(
 *         "input.codec", "avro", "schema.registry.url", "http://registry:8081"))).build();
 * }</pre>
 *
 * <p>Thread safety: implementations must be immutable; a subtask calls one for each model version it loads.
 */
@FunctionalInterface
public interface RecordDecoderFactory extends Function<ModelInfo, RecordDecoder>, Serializable {

    /**
     * The decoder the engine's codec keys describe ({@code input.codec}, {@code input.avro.*},
     * {@code input.protobuf.*}, {@code schema.registry.*}, {@code input.field.*}, {@code input.concat.*}, ...). Kafka
     * keys that mean nothing here may be left out; give {@code input.topics} to have a registry subject's latest
     * schema ({@code <topic>-value}) checked against the model when the model loads, as the engine does.
     *
     * @param engineKeys the engine's configuration keys and values
     * @throws IllegalArgumentException now, if a key is unknown or a value invalid
     */
    static RecordDecoderFactory engineCodec(Map<String, String> engineKeys) {
        HashMap<String, String> keys = new HashMap<>(engineKeys);
        EngineSettings.config(keys); // validated on the client, where the job is built
        return info -> RecordCodecs.decoder(EngineSettings.config(keys), info);
    }
}
