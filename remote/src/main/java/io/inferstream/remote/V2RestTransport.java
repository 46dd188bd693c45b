package io.inferstream.remote;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InvalidInputException;
import io.inferstream.model.ModelInfo;
import io.inferstream.protocol.InferRequest;
import io.inferstream.protocol.TensorBatches;
import io.inferstream.protocol.V2Json;
import java.net.URI;
import java.util.List;

/**
 * The Open Inference Protocol v2 over REST: {@code GET <model>} for the signature, {@code POST <model>/infer} with
 * the batch as one tensor per input shaped {@code [N, ...]}. The JSON codec is the one {@code inferstream serve}
 * uses ({@link V2Json}, {@link TensorBatches}), so both ends read and write the same forms. 400 and 422 are refusals
 * of the input.
 *
 * <p>Thread safety: thread-safe.
 */
final class V2RestTransport extends JsonRestTransport {
    V2RestTransport(RemoteAddress address, RemoteSettings settings) {
        this(address, settings, address.modelUrl("/v2/models/"));
    }

    private V2RestTransport(RemoteAddress address, RemoteSettings settings, String model) {
        super(address, settings, model, URI.create(model), URI.create(model + "/infer"));
    }

    @Override
    ModelInfo readMetadata(byte[] body, String format) {
        return V2Json.readModelMetadata(body, format);
    }

    @Override
    byte[] writeRequest(List<Features> rows, ModelInfo info) throws InvalidInputException {
        return V2Json.writeRequest(new InferRequest(address.model, address.version, null,
                TensorBatches.encodeInputs(rows, info), List.of()));
    }

    @Override
    List<Prediction> readResponse(byte[] body, ModelInfo info) {
        return TensorBatches.decodeOutputs(V2Json.readResponse(body).outputs());
    }

    @Override
    boolean refusesInput(int status) {
        return status == 400 || status == 422;
    }

    @Override
    String responseName() {
        return "a v2 inference response";
    }
}
