package io.inferstream.remote;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.ModelInfo;
import io.inferstream.protocol.TfServingJson;
import java.net.URI;
import java.util.List;

/**
 * TF Serving's REST API: {@code GET <model>/metadata} for the signature ({@code serving_default}),
 * {@code POST <model>:predict} with the batch in row form ({@code "instances"}), binary values as
 * {@code {"b64": "..."}}. The JSON codec is the one {@code inferstream serve} uses ({@link TfServingJson}); 400 is a
 * refusal of the input.
 *
 * <p>Thread safety: thread-safe.
 */
final class TfServingRestTransport extends JsonRestTransport {
    TfServingRestTransport(RemoteAddress address, RemoteSettings settings) {
        this(address, settings, address.modelUrl("/v1/models/"));
    }

    private TfServingRestTransport(RemoteAddress address, RemoteSettings settings, String model) {
        super(address, settings, model, URI.create(model + "/metadata"), URI.create(model + ":predict"));
    }

    @Override
    ModelInfo readMetadata(byte[] body, String format) {
        return TfServingJson.readMetadata(body, format);
    }

    @Override
    byte[] writeRequest(List<Features> rows, ModelInfo info) {
        return TfServingJson.writePredictRequest(rows, false);
    }

    @Override
    List<Prediction> readResponse(byte[] body, ModelInfo info) {
        return TfServingJson.readPredictResponse(body, info);
    }

    @Override
    boolean refusesInput(int status) {
        return status == 400;
    }

    @Override
    String responseName() {
        return "a predict response";
    }
}
