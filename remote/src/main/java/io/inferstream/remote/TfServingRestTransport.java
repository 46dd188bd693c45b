package io.inferstream.remote;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.protocol.ProtocolException;
import io.inferstream.protocol.TfServingJson;
import java.net.URI;
import java.util.List;

/**
 * TF Serving's REST API: {@code GET <model>/metadata} for the signature ({@code serving_default}),
 * {@code POST <model>:predict} with the batch in row form ({@code "instances"}), binary values as
 * {@code {"b64": "..."}}. The JSON codec is the one {@code inferstream serve} uses ({@link TfServingJson}).
 *
 * <p>As for the v2 transport, a 2xx body that cannot be read is treated as transient; 400 is a refusal of the input.
 *
 * <p>Thread safety: thread-safe.
 */
final class TfServingRestTransport implements Transport {
    private final RemoteAddress address;
    private final HttpCalls http;
    private final URI metadataUri;
    private final URI predictUri;

    TfServingRestTransport(RemoteAddress address, RemoteSettings settings) {
        this.address = address;
        this.http = new HttpCalls(settings);
        String model = address.modelUrl("/v1/models/");
        this.metadataUri = URI.create(model + "/metadata");
        this.predictUri = URI.create(model + ":predict");
    }

    @Override
    public ModelInfo metadata(String format) throws ModelLoadException {
        try {
            return TfServingJson.readMetadata(http.get(metadataUri), format);
        } catch (TransientFailure | HttpCalls.HttpRejection | ProtocolException e) {
            throw new ModelLoadException("cannot read the signature of model '" + address.model + "' from "
                    + metadataUri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<Prediction> infer(List<Features> rows, ModelInfo info) throws TransientFailure, InferenceException {
        byte[] answer;
        try {
            answer = http.postJson(predictUri, TfServingJson.writePredictRequest(rows, false));
        } catch (HttpCalls.HttpRejection r) {
            throw Rejections.of(endpoint(), r.status == 400, "HTTP " + r.status, r.serverMessage, rows.size());
        }
        try {
            return TfServingJson.readPredictResponse(answer, info);
        } catch (ProtocolException e) {
            throw new TransientFailure(predictUri + " answered a body that is not a predict response: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String endpoint() {
        return address.modelUrl("/v1/models/");
    }

    @Override
    public void close() {
        http.close();
    }
}
