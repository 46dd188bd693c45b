package io.inferstream.remote;

import io.inferstream.data.Features;
import io.inferstream.data.Prediction;
import io.inferstream.model.InferenceException;
import io.inferstream.model.ModelInfo;
import io.inferstream.model.ModelLoadException;
import io.inferstream.protocol.InferRequest;
import io.inferstream.protocol.ProtocolException;
import io.inferstream.protocol.TensorBatches;
import io.inferstream.protocol.V2Json;
import java.net.URI;
import java.util.List;

/**
 * The Open Inference Protocol v2 over REST: {@code GET <model>} for the signature, {@code POST <model>/infer} with
 * the batch as one tensor per input shaped {@code [N, ...]}. The JSON codec is the one {@code inferstream serve}
 * uses ({@link V2Json}, {@link TensorBatches}), so both ends read and write the same forms.
 *
 * <p>A 2xx answer the codec cannot read (a body cut short, a proxy's HTML page, JSON that is not a v2 response) is
 * taken as transient, like a dropped connection: the records are not at fault, and an engine that holds the batch
 * loses nothing while the server recovers.
 *
 * <p>Thread safety: thread-safe.
 */
final class V2RestTransport implements Transport {
    private final RemoteAddress address;
    private final HttpCalls http;
    private final URI modelUri;
    private final URI inferUri;

    V2RestTransport(RemoteAddress address, RemoteSettings settings) {
        this.address = address;
        this.http = new HttpCalls(settings);
        String model = address.modelUrl("/v2/models/");
        this.modelUri = URI.create(model);
        this.inferUri = URI.create(model + "/infer");
    }

    @Override
    public ModelInfo metadata(String format) throws ModelLoadException {
        try {
            return V2Json.readModelMetadata(http.get(modelUri), format);
        } catch (TransientFailure | HttpCalls.HttpRejection | ProtocolException e) {
            throw new ModelLoadException("cannot read the signature of model '" + address.model + "' from "
                    + modelUri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<Prediction> infer(List<Features> rows, ModelInfo info) throws TransientFailure, InferenceException {
        byte[] request = V2Json.writeRequest(new InferRequest(address.model, address.version, null,
                TensorBatches.encodeInputs(rows, info), List.of()));
        byte[] answer;
        try {
            answer = http.postJson(inferUri, request);
        } catch (HttpCalls.HttpRejection r) {
            throw Rejections.of(endpoint(), r.status == 400 || r.status == 422, "HTTP " + r.status, r.serverMessage,
                    rows.size());
        }
        try {
            return TensorBatches.decodeOutputs(V2Json.readResponse(answer).outputs());
        } catch (ProtocolException e) {
            throw new TransientFailure(inferUri + " answered a body that is not a v2 inference response: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String endpoint() {
        return modelUri.toString();
    }

    @Override
    public void close() {
        http.close();
    }
}
